import { e2eeVerdict, invitationDuty, noMaterialsVerdict, regionsVerdict } from '../common.js';
import { type Evaluator, met, names, notApplicable, notMet, participant } from '../derive.js';
import { thirdPartySources } from '../product.js';

// Kyoto University's page on its Zoom licence (KU).

export const KU: Record<string, Evaluator> = {
  'KU-update-client': (c) =>
    participant(
      `Each participant's duty: keep the browser up to date.${c.f.product.browserOnly ? ' Kaigi has no client application to update: the page comes from this server.' : ''}`,
      `各参加者の責任: ブラウザを最新に保ってください。${c.f.product.browserOnly ? 'Kaigi には更新すべきクライアントアプリはなく、ページはこのサーバから配信されます。' : ''}`,
    ),

  'KU-password': (c) =>
    c.f.meeting.passwordSet
      ? met(
          `The meeting has a password; everyone but the host must give it (${c.a.passwordFailures} wrong attempt(s), rate limited).`,
          `会議パスワードが設定されており、主催者以外は入力が必要です(誤入力 ${c.a.passwordFailures} 回、回数制限あり)。`,
        )
      : notMet('The meeting has no password.', '会議パスワードがありません。'),

  'KU-announcement': () =>
    invitationDuty(
      'Review where the meeting is announced: the join link lets its holder reach the waiting room. Kaigi never lists meetings publicly.',
      '会議の告知先を見直してください。参加リンクを持つ人は待機室まで到達できます。Kaigi は会議を公開一覧に載せません。',
    ),

  'KU-unc-path': (c) =>
    c.f.product.chatLinksHttpOnly && c.f.product.browserOnly
      ? met(
          'Chat turns only full http(s) URLs into links, never file: or UNC paths, and there is no native client to pass them to Windows.',
          'チャットでリンクになるのは完全な http(s) URL のみで、file: や UNC パスはリンクになりません。Windows に渡すネイティブクライアントもありません。',
        )
      : notMet('Chat may turn file: or UNC paths into links.', 'チャットで file: や UNC パスがリンクになる可能性があります。'),

  'KU-third-party-transfer': (c) => {
    const others = thirdPartySources(c.f.product.csp);
    return others.length === 0
      ? met(
          "The client loads nothing from and sends nothing to third parties: the Content Security Policy allows this server's origin only, and there is no telemetry.",
          'クライアントは第三者から何も読み込まず、何も送りません。コンテンツセキュリティポリシーはこのサーバのオリジンのみを許可し、テレメトリもありません。',
        )
      : notMet(`The client may talk to: ${others.join(', ')}.`, `クライアントが通信し得る先: ${others.join(', ')}。`);
  },

  'KU-macos-client': (c) =>
    c.f.product.browserOnly
      ? met('There is no installer or native client (for macOS or any system): Kaigi runs in the browser.', 'インストーラやネイティブクライアント(macOS その他)はなく、Kaigi はブラウザで動作します。')
      : notMet('A native client is in use.', 'ネイティブクライアントを使用しています。'),

  'KU-e2ee': (c) => {
    const e = e2eeVerdict(c);
    if (e.status !== 'met') {
      return notMet(
        `${e.evidence.en} Treat confidential information with the care you would in e-mail, or hold the meeting at a level with E2EE.`,
        `${e.evidence.ja} 機密情報はメールと同様に注意して扱うか、E2EE の会議で開催してください。`,
      );
    }
    const serverRec = c.a.recordingStarts.filter((s) => s.mode === 'server');
    if (serverRec.length > 0 || c.serverReadable.length > 0) {
      return notMet(`E2EE, yet server-readable data exists: ${names(c.serverReadable.map((o) => o.name))}.`, `E2EE ですが、サーバで読めるデータがあります: ${names(c.serverReadable.map((o) => o.name))}。`);
    }
    return met(
      `${e.evidence.en} No feature decrypts in the server: there is no server recording in E2EE meetings, and what is stored is encrypted in the browser.`,
      `${e.evidence.ja} サーバで復号する機能はありません。E2EE の会議にサーバ録画はなく、保存されるものはブラウザで暗号化されます。`,
    );
  },

  'KU-camera-mic': (c) =>
    participant(
      `Each participant's duty: send only what you mean to. Kaigi helps: devices stay off on the pre-join screen until turned on${c.f.meeting.rules.muteOnEntry ? ', and everyone enters muted with the camera off' : ''}.`,
      `各参加者の責任: 送るつもりのものだけを送ってください。Kaigi の支援: 参加前の画面ではオンにするまでデバイスはオフ${c.f.meeting.rules.muteOnEntry ? '、入室時はミュート・カメラオフ' : ''}です。`,
    ),

  'KU-bystanders': () =>
    participant(
      "Each participant's duty: make sure no one off screen can see or hear the meeting (use headphones, a closed room).",
      '各参加者の責任: 画面外の第三者に会議が見聞きされないようにしてください(ヘッドホン、個室など)。',
    ),

  'KU-no-password-reuse': () =>
    participant("Each participant's duty: do not reuse passwords, including your Kaigi account's.", '各参加者の責任: Kaigi アカウントを含め、パスワードを使い回さないでください。'),

  'KU-no-admin': (c) =>
    participant(
      `Each participant's duty: use the browser from an account without administrator rights.${c.f.product.browserOnly ? ' Kaigi needs no installation and no administrator rights.' : ''}`,
      `各参加者の責任: 管理者権限のないアカウントでブラウザを使ってください。${c.f.product.browserOnly ? 'Kaigi はインストール不要で、管理者権限も不要です。' : ''}`,
    ),

  'KU-no-confidential-data': () =>
    participant("Each participant's duty: keep no confidential data on the device used for meetings.", '各参加者の責任: 会議に使う端末に機密データを保存しないでください。'),

  'KU-content-sharing': (c) => {
    const p = c.permissions;
    const acts = c.f.product.hostActions;
    if (!acts.includes('suspendAll') || !acts.includes('remove')) return notMet('The host cannot stop sharing or remove participants.', '主催者が共有停止・強制退室をできません。');
    if (p.screen) {
      return notMet(
        'Participants may share their screens (the host allowed it): watch for inappropriate sharing; "Suspend all" stops every participant\'s sharing at once.',
        '参加者の画面共有が許可されています(主催者が許可)。不適切な共有に注意してください。「一斉停止」で全参加者の共有を即座に止められます。',
      );
    }
    return met(
      `Screen sharing is the host's only; the host can stop anyone's media, suspend all participant activity at once, lock the meeting and remove anyone (${c.a.suspensions.length} suspension(s), ${c.a.removals.length} removal(s) so far).`,
      `画面共有は主催者のみです。主催者は誰のメディアも停止でき、参加者の活動の一斉停止、ロック、強制退室ができます(これまで一斉停止 ${c.a.suspensions.length} 回、強制退室 ${c.a.removals.length} 人)。`,
    );
  },

  'KU-url-and-id': (c) => {
    const inv = c.f.product.invitation;
    if (!inv.passwordInFragment || !inv.idPasswordPair) return notMet('The invitation lacks the URL with the password or the ID/password pair.', '案内にパスワード付き URL または ID とパスワードの組がありません。');
    return met(
      c.f.policy.passwordSeparate
        ? "Kaigi's invitation gives the join URL and the meeting ID; the password, with the ID, goes in the separate password message (High)."
        : "Kaigi's invitation gives the join URL with the password in its fragment, and the meeting ID and password pair for joining from another device.",
      c.f.policy.passwordSeparate
        ? 'Kaigi の案内には参加 URL と会議 ID が含まれ、パスワードは ID とともに別のパスワードメッセージで送ります(機密性「高」)。'
        : 'Kaigi の案内には、フラグメントにパスワードを含む参加 URL と、別の端末から参加するための会議 ID とパスワードの組が含まれます。',
    );
  },

  'KU-high-confidentiality': (c) => {
    if (c.level !== 'high') {
      return notApplicable(
        `This meeting is ${c.levelName.en}: by its level it does not handle highly confidential information (such meetings are held at High).`,
        `この会議は機密性「${c.levelName.ja}」で、高機密の情報は扱いません(その場合は「高」で開催します)。`,
      );
    }
    const e = e2eeVerdict(c);
    if (e.status !== 'met') return e;
    const r = regionsVerdict(c);
    if (r.status !== 'met') return r;
    const n = noMaterialsVerdict(c);
    if (n.status !== 'met') return n;
    return met(
      `Held as High: end-to-end encrypted, on the organisation's home region(s) ${c.f.policy.regions.join(', ')}, without recording or file sharing on the server.`,
      `機密性「高」で開催: エンドツーエンド暗号化、組織のホームリージョン ${c.f.policy.regions.join(', ')} のみ、サーバでの録画・ファイル共有なし。`,
    );
  },
};
