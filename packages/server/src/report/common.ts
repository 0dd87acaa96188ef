import { type Ctx, met, names, notMet, type Verdict } from './derive.js';

// Checks several clauses share: each reads the facts and says why, in English and Japanese.

/** D6: the TLS profile is the IPA/CRYPTREC one: TLS 1.2+, ECDHE with AES-GCM only, P-256/P-384, HSTS. */
export function tlsVerdict(c: Ctx): Verdict {
  const t = c.f.product.tls;
  const versionOk = t.minVersion === 'TLSv1.2' || t.minVersion === 'TLSv1.3';
  const weak = t.ciphers.filter((s) => !/GCM/.test(s) || !(s.startsWith('TLS_') || s.startsWith('ECDHE-')));
  const curvesOk = t.curves.length > 0 && t.curves.every((x) => x === 'P-256' || x === 'P-384');
  if (!versionOk || weak.length > 0 || !curvesOk || !t.hsts) {
    return notMet(
      `The TLS profile strays from the guideline: minimum ${t.minVersion}${weak.length ? `; suites without ECDHE/AES-GCM: ${weak.join(', ')}` : ''}${curvesOk ? '' : `; curves ${t.curves.join(', ')}`}${t.hsts ? '' : '; no HSTS'}.`,
      `TLS 設定がガイドラインから外れています:最小 ${t.minVersion}${weak.length ? `、ECDHE/AES-GCM 以外のスイート: ${weak.join(', ')}` : ''}${curvesOk ? '' : `、曲線 ${t.curves.join(', ')}`}${t.hsts ? '' : '、HSTS なし'}。`,
    );
  }
  return met(
    `HTTPS and signalling: TLS 1.2/1.3 only (minimum ${t.minVersion}); ${t.ciphers.length} suites, all ECDHE or TLS 1.3 with AES-GCM; curves ${t.curves.join(', ')}; HSTS "${t.hsts}". Media travels in DTLS-SRTP with ECDHE on P-256 and AES-GCM.`,
    `HTTPS とシグナリングは TLS 1.2/1.3 のみ(最小 ${t.minVersion})。暗号スイート ${t.ciphers.length} 種はすべて ECDHE または TLS 1.3 と AES-GCM。曲線 ${t.curves.join(', ')}。HSTS「${t.hsts}」。メディアは P-256 の ECDHE と AES-GCM による DTLS-SRTP で送られます。`,
  );
}

/** B1 + B2: a meeting password and the waiting room. */
export function passwordAndWaitingRoom(c: Ctx): Verdict {
  const { passwordSet } = c.f.meeting;
  const { waitingRoom } = c.f.product;
  const admitted = c.a.admissions.length;
  const failures = c.a.passwordFailures;
  if (!passwordSet || !waitingRoom) {
    return notMet(
      `${passwordSet ? 'A password is set' : 'No meeting password is set'}; ${waitingRoom ? 'the waiting room is on' : 'there is no waiting room'}.`,
      `${passwordSet ? '会議パスワードは設定済み' : '会議パスワードが未設定'}、${waitingRoom ? '待機室は有効' : '待機室がありません'}。`,
    );
  }
  return met(
    `Everyone but the host must give the meeting password (wrong guesses are rate limited; ${failures} failed so far), then waits in the waiting room until a host admits them (${admitted} admitted so far).`,
    `主催者以外は会議パスワードが必要です(推測は回数制限あり。これまでの失敗 ${failures} 回)。その後、主催者が入室を許可するまで待機室で待ちます(これまでの入室許可 ${admitted} 件)。`,
  );
}

/** B7: someone checks newcomers, and the check is recorded (an admission check or a safety-code verification). */
export function checkerVerdict(c: Ctx): Verdict {
  const checks = c.a.admissions.filter((a) => a.check !== null);
  const verifications = c.a.verifications;
  const checkers = [...new Set([...checks.map((a) => a.byName), ...verifications.map((v) => v.byName)])];
  if (checkers.length === 0) {
    return notMet(
      `No check of a participant has been recorded yet. The host or a co-host (${c.a.cohosts.length ? `co-hosts: ${names(c.a.cohosts)}` : 'none assigned'}) checks each newcomer: admit with a face/voice check${c.f.meeting.e2ee ? ', or compare the safety code' : ''}.`,
      `参加者の確認はまだ記録されていません。主催者または共同主催者(${c.a.cohosts.length ? `共同主催者: ${names(c.a.cohosts)}` : '未指定'})が入室者ごとに確認してください:顔・声の確認をして入室を許可${c.f.meeting.e2ee ? '、または安全コードを照合' : ''}。`,
    );
  }
  const v = c.a.verifiers;
  return met(
    `Checks recorded by ${names(checkers)}: ${checks.length} admission check(s), ${verifications.length} safety-code verification(s).${v.length ? ` Verifiers: ${names(v)}; ${c.a.oneToOneChecks} one-to-one check(s) before admission, the newcomer's media reaching the verifier only${c.f.meeting.e2ee ? `, end-to-end encrypted with the check's own keys (${c.a.keyedChecks} admission(s) after such a check)` : ''}.` : ''}`,
    `${names(checkers)} による確認の記録: 入室時の確認 ${checks.length} 件、安全コードの照合 ${verifications.length} 件。${v.length ? `確認担当: ${names(v)}。入室前の一対一の確認 ${c.a.oneToOneChecks} 件(入室希望者の映像と音声は確認担当にだけ届きます${c.f.meeting.e2ee ? `。確認専用の鍵でエンドツーエンド暗号化され、その確認を経た入室は ${c.a.keyedChecks} 件` : ''})。` : ''}`,
  );
}

/** B7, F1 High: every guest (outside the organisation) admitted after a check by face and voice. */
export function guestsCheckedVerdict(c: Ctx, requireBoth: boolean): Verdict {
  const enough = (ch: { face: boolean; voice: boolean } | null) => ch !== null && (requireBoth ? ch.face && ch.voice : ch.face || ch.voice);
  const unchecked = c.guests.filter((g) => !enough(g.check));
  if (unchecked.length > 0) {
    const who = names(unchecked.map((g) => g.displayName || g.participantId));
    return notMet(
      `Admitted without a ${requireBoth ? 'face and voice' : 'face or voice'} check: ${who}. Send them back to the waiting room and admit them after the check.`,
      `${requireBoth ? '顔と声' : '顔または声'}の確認なしに入室: ${who}。待機室に戻し、確認してから入室を許可してください。`,
    );
  }
  if (c.guests.length === 0) {
    if (c.f.policy.checkBeforeAdmission) {
      return met(
        'No guest admitted yet; the server admits no guest of this meeting without a recorded face or voice check.',
        'まだゲストの入室はありません。この会議では、顔または声の確認の記録なしにゲストは入室できません(サーバが強制)。',
      );
    }
    return notMet(
      'No check of a guest by face or voice has been recorded yet; check each guest before admitting them.',
      'ゲストの顔・声による確認はまだ記録されていません。入室を許可する前に各ゲストを確認してください。',
    );
  }
  const lines = c.guests.map((g) => `${g.displayName} (${[g.check?.face && 'face', g.check?.voice && 'voice', g.check?.name && 'name'].filter(Boolean).join('+')}, by ${g.byName})`);
  const linesJa = c.guests.map((g) => `${g.displayName}(${[g.check?.face && '顔', g.check?.voice && '声', g.check?.name && '名前'].filter(Boolean).join('・')}、確認者 ${g.byName})`);
  return met(`Every guest was checked before admission: ${names(lines)}.`, `すべてのゲストを入室前に確認済み: ${names(linesJa)}。`);
}

/** E2: the meeting's node and every stored object are in regions the meeting's policy allows. */
export function regionsVerdict(c: Ctx): Verdict {
  const allowed = c.f.policy.regions;
  const outside = c.regionsUsed.filter((r) => !allowed.includes(r));
  if (outside.length > 0) {
    return notMet(
      `Data or media in region(s) the meeting does not allow: ${outside.join(', ')} (allowed: ${allowed.join(', ')}).`,
      `会議が許可しないリージョンにデータまたはメディアがあります: ${outside.join(', ')}(許可: ${allowed.join(', ')})。`,
    );
  }
  return met(
    `Self-hosted: this meeting runs on node ${c.f.node} in region ${c.f.region}, and all its stored data is in ${c.regionsUsed.join(', ')}, which the organisation's policy allows for ${c.levelName.en} meetings (${allowed.join(', ')}).`,
    `自組織で運用するサーバです。この会議はリージョン ${c.f.region} のノード ${c.f.node} で動作し、保存データもすべて ${c.regionsUsed.join(', ')} にあります。組織のポリシーが機密性「${c.levelName.ja}」の会議に許可するリージョン(${allowed.join(', ')})の範囲内です。`,
  );
}

/**
 * IPA 5.1(2), 5.2(1): the country of the data centres, under contract. Kaigi knows region labels,
 * not countries or contracts, so this is the organisation's to confirm; a breach of pinning is named.
 */
export function dataCentreCountryVerdict(c: Ctx, where: { en: string; ja: string }): Verdict {
  const pinned = regionsVerdict(c);
  if (pinned.status !== 'met') return pinned;
  return notMet(
    `Kaigi keeps this meeting in region(s) ${c.f.policy.regions.join(', ')} (node ${c.f.node} in ${c.f.region}), but cannot know which country a region is in or what the contract with its data centre says. The organisation must confirm that these regions are ${where.en}, under contract, and list only such regions in its policy.`,
    `Kaigi はこの会議をリージョン ${c.f.policy.regions.join(', ')}(ノード ${c.f.node}、${c.f.region})に限定していますが、リージョンがどの国にあるか、データセンターとの契約内容は知り得ません。組織がこれらのリージョンが${where.ja}であることを契約で確認し、ポリシーにはそのようなリージョンのみを記載してください。`,
  );
}

/** Files and recordings the meeting stored or started, for the "no materials, no recording" clauses. */
export function noMaterialsVerdict(c: Ctx): Verdict {
  const p = c.f.policy;
  const stored = c.f.dataMap.objects.filter((o) => o.kind === 'file' || o.kind === 'recording');
  const starts = c.a.recordingStarts;
  const allowed = [p.fileSharing && 'file sharing', p.serverRecording && 'server recording', p.browserRecording && 'browser recording'].filter(Boolean);
  if (stored.length > 0 || starts.length > 0 || allowed.length > 0) {
    return notMet(
      `${allowed.length ? `The level allows ${allowed.join(', ')}. ` : ''}${stored.length ? `Stored: ${names(stored.map((o) => `${o.kind} ${o.name}`))}. ` : ''}${starts.length ? `Recording started ${starts.length} time(s) (by ${names([...new Set(starts.map((s) => s.byName))])}).` : ''}`.trim(),
      `${allowed.length ? `レベルが許可: ${allowed.join(', ')}。` : ''}${stored.length ? `保存済み: ${names(stored.map((o) => `${o.kind} ${o.name}`))}。` : ''}${starts.length ? `録画開始 ${starts.length} 回(${names([...new Set(starts.map((s) => s.byName))])})。` : ''}`,
    );
  }
  return met(
    `The ${c.levelName.en} level forbids file sharing and every recording (server and browser), and the server refuses them; nothing was recorded and no file is stored. Share materials beforehand by a secure route.`,
    `機密性「${c.levelName.ja}」では資料共有と録画(サーバ・ブラウザとも)が禁止され、サーバが拒否します。録画も保存されたファイルもありません。資料は事前に安全な方法で配布してください。`,
  );
}

/** D1: the meeting is end-to-end encrypted, with its key epochs. */
export function e2eeVerdict(c: Ctx): Verdict {
  const epoch = c.f.live?.epoch ?? null;
  const epochs = `${c.a.epochs} key epoch(s) so far${epoch !== null ? `, current epoch ${epoch}` : ''}`;
  const epochsJa = `これまでの鍵エポック ${c.a.epochs}${epoch !== null ? `、現在のエポック ${epoch}` : ''}`;
  if (!c.f.meeting.e2ee) {
    return notMet(
      'End-to-end encryption is off: media, chat and files are encrypted in transit only, and this server can decrypt them.',
      'エンドツーエンド暗号化は無効です。映像・音声、チャット、ファイルは通信路上でのみ暗号化され、このサーバは復号できます。',
    );
  }
  return met(
    `E2EE on: media, chat and files are encrypted in the browsers (${c.f.product.mlsCipherSuite}); keys exist only on participants' devices and change whenever anyone joins or leaves; ${epochs}. Clients that cannot do E2EE are refused (${c.a.e2eeRefusals} refused).`,
    `E2EE 有効: 映像・音声、チャット、ファイルはブラウザで暗号化されます(${c.f.product.mlsCipherSuite})。鍵は参加者の端末にのみあり、参加・退出のたびに更新されます。${epochsJa}。E2EE に対応しないクライアントは拒否されます(拒否 ${c.a.e2eeRefusals} 件)。`,
  );
}

/** What Kaigi cannot see: how the host sends invitations and passwords. */
export function invitationDuty(en: string, ja: string): Verdict {
  return notMet(
    `${en} Kaigi cannot see how the invitation is sent: the host must do this.`,
    `${ja}案内がどのように送られるかは Kaigi からは分かりません。主催者が行ってください。`,
  );
}
