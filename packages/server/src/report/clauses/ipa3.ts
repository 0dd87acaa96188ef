import { passwordAndWaitingRoom, regionsVerdict, tlsVerdict } from '../common.js';
import { after, type Evaluator, met, names, notMet } from '../derive.js';
import { thirdPartySources } from '../product.js';

// IPA 3: choosing the service. Mostly organisation scope: evaluated from what this Kaigi build
// and its configuration provide, and "not met" with what to do where only the organisation can act.

export const IPA3: Record<string, Evaluator> = {
  'IPA-3.1-a': (c) => {
    const objs = c.f.dataMap.objects;
    const unknown = objs.filter((o) => !o.node || !o.region || !o.location);
    if (unknown.length > 0) {
      return notMet(`Stored objects without a known location: ${names(unknown.map((o) => o.name ?? o.id))}.`, `保存場所が不明なオブジェクト: ${names(unknown.map((o) => o.name ?? o.id))}。`);
    }
    return met(
      `On-premises (self-hosted): the organisation runs this server. Node ${c.f.node}, region ${c.f.region}; ${objs.length} stored object(s), each with its node, region and path in the data map below.`,
      `オンプレミス(自組織運用)です。ノード ${c.f.node}、リージョン ${c.f.region}。保存オブジェクト ${objs.length} 件は、下のデータマップにノード・リージョン・パスとともに記載されています。`,
    );
  },

  'IPA-3.1-b': (c) => regionsVerdict(c),

  'IPA-3.1-c': (c) => {
    const certified = new Set(c.f.dataMap.deletions.map((d) => d.objectId));
    const missing = c.a.deletions.filter((d) => !d.certified || !certified.has(d.objectId));
    if (missing.length > 0) {
      return notMet(`Deletions without a certificate: ${names(missing.map((d) => d.objectId))}.`, `証明書のない削除: ${names(missing.map((d) => d.objectId))}。`);
    }
    return met(
      `Each stored object is encrypted under its own key (${c.f.product.objectCipher}); deleting destroys the key and the bytes and yields a signed deletion certificate. ${c.f.dataMap.deletions.length} deletion(s) for this meeting, each with its certificate.`,
      `保存オブジェクトはそれぞれ個別の鍵で暗号化されています(${c.f.product.objectCipher})。削除すると鍵とデータが破棄され、署名付き削除証明書が発行されます。この会議の削除 ${c.f.dataMap.deletions.length} 件はすべて証明書付きです。`,
    );
  },

  'IPA-3.2-a': (c) => {
    const { e2ee } = c.f.meeting;
    if (!e2ee && c.f.policy.e2eeRequired) {
      return notMet('The level requires end-to-end encryption but this meeting is not encrypted end to end.', 'レベルがエンドツーエンド暗号化を要求していますが、この会議は E2EE ではありません。');
    }
    const escrow = c.f.escrow && c.f.policy.browserRecording;
    return e2ee
      ? met(
          `End-to-end encrypted: only participants hold the keys (${c.f.product.mlsCipherSuite}); the server cannot decrypt media, chat or files.${escrow ? ` Recordings made in the host's browser are also encrypted to the organisation's escrow key ${c.f.escrow?.keyId}.` : ''} Every participant sees the mode.`,
          `エンドツーエンド暗号化: 鍵は参加者のみが持ち(${c.f.product.mlsCipherSuite})、サーバは映像・音声、チャット、ファイルを復号できません。${escrow ? `主催者のブラウザでの録画は組織のエスクロー鍵 ${c.f.escrow?.keyId} にも暗号化されます。` : ''}方式は全参加者に表示されます。`,
        )
      : met(
          `Server-decryptable: encrypted in transit; this server (run by the organisation) holds the keys and can decrypt. The ${c.levelName.en} level allows this, and every participant sees the mode.`,
          `サーバで復号可能な方式: 通信路は暗号化されますが、組織が運用するこのサーバが鍵を持ち復号できます。機密性「${c.levelName.ja}」ではこれが許可されており、方式は全参加者に表示されます。`,
        );
  },

  'IPA-3.2-b': (c) => {
    if (c.f.meeting.e2ee) {
      return met('End-to-end encrypted: no server holds the keys, so data seized from a server cannot be decrypted.', 'エンドツーエンド暗号化のため、サーバは鍵を持たず、サーバから押収されたデータは復号できません。');
    }
    const r = regionsVerdict(c);
    if (r.status !== 'met') return r;
    return met(
      `The server that holds the keys is the organisation's own, in region ${c.f.region}, which its policy allows (${c.f.policy.regions.join(', ')}); there is no service provider abroad. Keep such regions out of the policy if they are abroad.`,
      `鍵を持つサーバは組織自身のもので、ポリシーが許可するリージョン ${c.f.region} にあります(${c.f.policy.regions.join(', ')})。海外のサービス提供者はいません。海外のリージョンであればポリシーから外してください。`,
    );
  },

  'IPA-3.2-c': (c) => {
    const serverRec = c.a.recordingStarts.filter((s) => s.mode === 'server');
    if (c.f.meeting.e2ee && (serverRec.length > 0 || c.serverReadable.length > 0)) {
      return notMet(
        `E2EE meeting, yet server-readable data exists: ${names([...serverRec.map(() => 'server recording'), ...c.serverReadable.map((o) => o.name)])}.`,
        `E2EE の会議ですが、サーバで読めるデータがあります: ${names([...serverRec.map(() => 'サーバ録画'), ...c.serverReadable.map((o) => o.name)])}。`,
      );
    }
    const restrictions = 'no server recording (the host may record in their browser, encrypted), files encrypted in the browser, chat never stored';
    const restrictionsJa = 'サーバ録画なし(主催者はブラウザで暗号化して録画可)、ファイルはブラウザで暗号化、チャットは保存しない';
    return c.f.meeting.e2ee
      ? met(`In this E2EE meeting the server-side features are replaced, and the UI says so: ${restrictions}.`, `この E2EE 会議ではサーバ側の機能が置き換えられ、画面にも表示されます: ${restrictionsJa}。`)
      : met(`This meeting is not E2EE. Under E2EE: ${restrictions}; the UI says which and why.`, `この会議は E2EE ではありません。E2EE の場合: ${restrictionsJa}。画面に理由とともに表示されます。`);
  },

  'IPA-3.2-d': (c) => {
    const p = c.f.product;
    const tls = tlsVerdict(c);
    const mlsOk = /P256/.test(p.mlsCipherSuite) && /AES128GCM/.test(p.mlsCipherSuite) && /SHA256/.test(p.mlsCipherSuite);
    const atRestOk = /gcm/i.test(p.objectCipher);
    if (tls.status !== 'met' || !mlsOk || !atRestOk) {
      return notMet(
        `Not all algorithms are on the CRYPTREC lists: ${[tls.status !== 'met' && 'TLS', !mlsOk && p.mlsCipherSuite, !atRestOk && p.objectCipher].filter(Boolean).join(', ')}.`,
        `CRYPTREC 暗号リストにないアルゴリズムがあります: ${[tls.status !== 'met' && 'TLS', !mlsOk && p.mlsCipherSuite, !atRestOk && p.objectCipher].filter(Boolean).join(', ')}。`,
      );
    }
    return met(
      `CRYPTREC-listed algorithms only: TLS with ECDHE (${p.tls.curves.join(', ')}) and AES-GCM; E2EE ${p.mlsCipherSuite} (ECDH P-256, AES-128-GCM, SHA-256); data at rest ${p.objectCipher}; DTLS-SRTP with P-256 and AES-GCM.`,
      `CRYPTREC 暗号リストのアルゴリズムのみ: TLS は ECDHE(${p.tls.curves.join(', ')})と AES-GCM、E2EE は ${p.mlsCipherSuite}(ECDH P-256、AES-128-GCM、SHA-256)、保存データは ${p.objectCipher}、DTLS-SRTP は P-256 と AES-GCM。`,
    );
  },

  'IPA-3.2-e': (c) => tlsVerdict(c),

  'IPA-3.3-a': (c) => {
    const base = passwordAndWaitingRoom(c);
    if (base.status !== 'met') return base;
    const p = c.f.product;
    const rule = c.f.meeting.rules.nameRule;
    const ruleEn = rule.kind === 'pattern' ? `names must look like "${rule.pattern}"` : rule.kind === 'account' ? 'account names only (guests cannot join)' : 'free names';
    const ruleJa = rule.kind === 'pattern' ? `参加者名は「${rule.pattern}」の形式` : rule.kind === 'account' ? 'アカウント名のみ(ゲスト不可)' : '参加者名は自由';
    const missing = [!p.preRegistration && 'pre-registration', !p.twoFactor && 'two-factor authentication'].filter(Boolean);
    const missingJa = [!p.preRegistration && '事前登録', !p.twoFactor && '二要素認証'].filter(Boolean);
    if (c.f.policy.checkBeforeAdmission && !p.waitingRoom) {
      return notMet('The level requires checking each guest before admission, which needs the waiting room.', 'このレベルは入室前の確認を求めますが、待機室がありません。');
    }
    return met(
      `Methods in use for this ${c.levelName.en} meeting: meeting password, waiting room${c.f.policy.checkBeforeAdmission ? ', each guest checked by face/voice before admission' : ''}, ${ruleEn}.${missing.length ? ` Not available in this Kaigi: ${missing.join(', ')}.` : ''}`,
      `この機密性「${c.levelName.ja}」の会議で使う方式: 会議パスワード、待機室${c.f.policy.checkBeforeAdmission ? '、ゲストごとに入室前の顔・声の確認' : ''}、${ruleJa}。${missingJa.length ? `この Kaigi にない機能: ${missingJa.join('、')}。` : ''}`,
    );
  },

  'IPA-3.3-b': (c) => {
    const acts = c.f.product.hostActions;
    const ok = acts.includes('remove') && acts.includes('admit');
    if (!ok) return notMet('The host role cannot admit or remove participants.', '主催者の役割で参加者の入室許可・強制退室ができません。');
    const present = c.f.live?.participants.filter((p) => p.state === 'admitted') ?? [];
    return met(
      `The host's roster shows everyone present and how each entered (guest or member, checked, verified)${c.f.live ? `: now ${present.length} present` : ''}. The host can remove anyone; the ban holds across reconnects, new names and links (${c.a.removals.length} removed so far).`,
      `主催者の参加者一覧に全員と入室方法(ゲスト/メンバー、確認済み、検証済み)が表示されます${c.f.live ? `(現在 ${present.length} 人)` : ''}。主催者は誰でも強制退室でき、再接続・名前変更・別リンクでも戻れません(これまで ${c.a.removals.length} 人)。`,
    );
  },

  'IPA-3.4': (c) => {
    const others = thirdPartySources(c.f.product.csp);
    if (others.length > 0) {
      return notMet(`The client may load from or send to other origins: ${others.join(', ')}.`, `クライアントが他のオリジンと通信し得ます: ${others.join(', ')}。`);
    }
    const w = c.f.meeting.retention.waiting;
    return met(
      `Personal data stays on this server: the client talks to no one else (CSP: this origin only) and sends no telemetry; waiting-room names and addresses are removed ${after(w).en}. The organisation's own privacy notice and legal compliance are for it to publish.`,
      `個人情報はこのサーバから出ません。クライアントは他と通信せず(CSP: 同一オリジンのみ)、テレメトリも送りません。待機室の名前とアドレスは${after(w).ja}に消去されます。組織のプライバシーポリシーと法令遵守の表明は組織が公開してください。`,
    );
  },

  'IPA-3.5-a': () =>
    notMet(
      'Kaigi cannot watch vulnerability information for the organisation. The organisation must follow Kaigi releases and advisories and JVN iPedia, and keep this server and its dependencies up to date.',
      '脆弱性情報のウォッチは Kaigi からはできません。組織が Kaigi のリリースとセキュリティ情報、JVN iPedia を確認し、サーバと依存ライブラリを最新に保ってください。',
    ),

  'IPA-3.5-b': () =>
    notMet(
      'Self-hosted: the organisation is the service provider. Kaigi documents its requirements, crypto and data handling, but cannot know whether the organisation publishes security advice and the state of its measures to its users; it must.',
      '自組織運用のため、サービス提供者は組織自身です。Kaigi は要件・暗号・データの扱いを文書化していますが、組織が利用者向けのセキュリティ上の注意や対策状況を公開しているかは分かりません。組織が公開してください。',
    ),
};
