import { checkerVerdict, guestsCheckedVerdict, invitationDuty, passwordAndWaitingRoom } from '../common.js';
import { after, type Evaluator, LEVEL_NAME, met, names, notApplicable, notMet, participant } from '../derive.js';

// IPA 4: preparing and holding the meeting, and what every participant does.

const allowedNames = (levels: readonly ('high' | 'medium' | 'low')[]) => ({
  en: levels.map((l) => LEVEL_NAME[l].en).join(', '),
  ja: levels.map((l) => `「${LEVEL_NAME[l].ja}」`).join(''),
});

export const IPA4: Record<string, Evaluator> = {
  'IPA-4.1(1)': (c) => {
    const allowed = allowedNames(c.f.organisation.levels.allowed);
    if (!c.f.organisation.levels.allowed.includes(c.level)) {
      return notMet(
        `The meeting is ${c.levelName.en}, which the organisation's policy no longer allows (${allowed.en}).`,
        `この会議は機密性「${c.levelName.ja}」ですが、組織のポリシーはこれを許可していません(${allowed.ja})。`,
      );
    }
    return met(
      `Confidentiality level ${c.levelName.en}, one of the levels the organisation allows (${allowed.en}); the server enforces what the level allows and requires.`,
      `機密性「${c.levelName.ja}」。組織が許可するレベル(${allowed.ja})の一つで、レベルの許可・要求事項はサーバが強制します。`,
    );
  },

  'IPA-4.1(2)-a': (c) => {
    if (c.f.meeting.e2ee) return met('This meeting is end-to-end encrypted.', 'この会議はエンドツーエンド暗号化されています。');
    if (c.f.policy.e2eeRequired) return notMet('The level requires end-to-end encryption, but it is off.', 'レベルがエンドツーエンド暗号化を要求していますが、無効です。');
    return met(
      `Not end-to-end encrypted: E2EE is available, and the ${c.levelName.en} level chosen for this meeting accepts that the server can decrypt.`,
      `エンドツーエンド暗号化ではありません。E2EE は利用可能ですが、この会議に選ばれた機密性「${c.levelName.ja}」はサーバでの復号を許容します。`,
    );
  },

  'IPA-4.1(2)-b': (c) => {
    if (c.f.meeting.rules.nameRule.kind === 'account') {
      return notApplicable('Only signed-in members of the organisation can join (account names): no one from another organisation takes part.', '組織のサインイン済みメンバーのみ参加できます(アカウント名)。他組織の参加者はいません。');
    }
    const guests = c.guests.map((g) => g.displayName);
    return notMet(
      `Kaigi cannot record this agreement: the host must obtain it from each participant from another organisation${guests.length ? ` (guests admitted so far: ${names(guests)})` : ''}.`,
      `この合意は Kaigi では記録できません。他組織からの参加者それぞれから主催者が取得してください${guests.length ? `(これまでのゲスト: ${names(guests)})` : ''}。`,
    );
  },

  'IPA-4.1(2)-c': (c) => {
    const bits = c.f.product.meetingIdBits;
    if (bits < 64) return notMet(`Meeting IDs have only ${bits} random bits.`, `会議 ID のランダム性が ${bits} ビットしかありません。`);
    return met(
      `Private by default: meetings are never listed (only their host sees them) and the ID has ${bits} random bits, so it cannot be guessed.`,
      `既定で非公開: 会議は一覧に公開されず(主催者のみ閲覧可)、ID は ${bits} ビットのランダム値で推測できません。`,
    );
  },

  'IPA-4.1(2)-d': (c) => passwordAndWaitingRoom(c),

  'IPA-4.1(2)-e': (c) => {
    const p = c.permissions;
    // Files only where the level lets anything be stored (F1).
    const allowed = (['microphone', 'camera', 'screen', 'chat', 'files'] as const).filter((k) => p[k] && (k !== 'files' || c.f.policy.fileSharing));
    const ja: Record<string, string> = { microphone: 'マイク', camera: 'カメラ', screen: '画面共有', chat: 'チャット', files: 'ファイル' };
    const list = allowed.join(', ') || 'nothing';
    const listJa = allowed.map((k) => ja[k]).join('、') || 'なし';
    const before = c.f.meeting.rules.joinBeforeHost;
    if (!c.f.meeting.rules.muteOnEntry) {
      return notMet(
        `Participants enter with microphone and camera as they left them: turn on "mute on entry". Participants may use: ${list}.`,
        `参加者はマイク・カメラがオンのまま入室し得ます。「入室時ミュート」を有効にしてください。参加者に許可: ${listJa}。`,
      );
    }
    return met(
      `Everyone but the host enters muted with the camera off. Participants may then use: ${list}${p.screen ? '' : ' (screen sharing is the host\'s only)'}. ${before ? 'People may wait before the host arrives.' : 'Nobody joins before the host.'}`,
      `主催者以外はミュート・カメラオフで入室します。参加者に許可: ${listJa}${p.screen ? '' : '(画面共有は主催者のみ)'}。${before ? '主催者の到着前から待機できます。' : '主催者より先には入室できません。'}`,
    );
  },

  'IPA-4.1(2)-f': (c) =>
    c.f.policy.passwordSeparate && c.f.product.invitation.separatePasswordMessage
      ? met(
          `${c.levelName.en} meeting: the invitation leaves the password out; Kaigi gives it as a separate message for another channel.`,
          `機密性「${c.levelName.ja}」: 案内にはパスワードを載せず、Kaigi は別経路用の別メッセージとしてパスワードを出力します。`,
        )
      : invitationDuty(
          `For this ${c.levelName.en} meeting the join link carries the password in its fragment; if the confidentiality or number of participants calls for it, send the link without it and the password as the separate message Kaigi provides.`,
          `この機密性「${c.levelName.ja}」の会議では参加リンクのフラグメントにパスワードが含まれます。必要に応じ、パスワードなしのリンクと、Kaigi が用意する別メッセージのパスワードを別経路で送ってください。`,
        ),

  'IPA-4.1(2)-g': (c) =>
    c.f.product.twoFactor
      ? met('Accounts can use two-factor authentication.', 'アカウントで二要素認証を利用できます。')
      : notMet(
          `This Kaigi has no two-factor authentication yet: members sign in with a password, guests join with the meeting password${c.f.policy.checkBeforeAdmission ? ' and are checked by face/voice before admission' : ''}.`,
          `この Kaigi にはまだ二要素認証がありません。メンバーはパスワードでサインインし、ゲストは会議パスワードで参加します${c.f.policy.checkBeforeAdmission ? '(入室前に顔・声を確認)' : ''}。`,
        ),

  'IPA-4.1(2)-h': (c) =>
    c.f.product.preRegistration
      ? met('Participants can be pre-registered.', '参加者の事前登録を利用できます。')
      : notMet('This Kaigi has no pre-registration yet; check newcomers in the waiting room instead.', 'この Kaigi にはまだ事前登録がありません。代わりに待機室で入室者を確認してください。'),

  'IPA-4.1(2)-i': (c) => {
    const acts = c.f.product.hostActions;
    if (!acts.includes('remove') || !acts.includes('suspendAll')) return notMet('The host cannot remove participants or suspend the meeting.', '主催者が強制退室・一斉停止をできません。');
    return met(
      `The host (and co-hosts) can remove anyone, banned for the rest of the meeting, lock the meeting and suspend all participant activity at once. So far: ${c.a.removals.length} removed, ${c.a.suspensions.length} suspension(s)${c.f.live?.locked ?? c.f.meeting.locked ? ', meeting locked' : ''}.`,
      `主催者(と共同主催者)は誰でも強制退室(会議終了まで再入室不可)、会議のロック、参加者の活動の一斉停止ができます。これまで: 強制退室 ${c.a.removals.length} 人、一斉停止 ${c.a.suspensions.length} 回${c.f.live?.locked ?? c.f.meeting.locked ? '、ロック中' : ''}。`,
    );
  },

  'IPA-4.1(3)-a': () =>
    invitationDuty(
      'Send the invitation by a safe route. Kaigi\'s invitation keeps the password in the link\'s fragment, which browsers never send to a server.',
      '案内は安全な経路で送ってください。Kaigi の案内ではパスワードをリンクのフラグメントに入れ、ブラウザはこれをサーバに送りません。',
    ),

  'IPA-4.1(3)-b': () =>
    invitationDuty(
      'Do not announce the meeting on social media. Kaigi never lists meetings publicly.',
      'ソーシャルメディアで告知しないでください。Kaigi は会議を公開一覧に載せません。',
    ),

  'IPA-4.1(3)-c': (c) =>
    c.f.product.invitation.neutralSubject
      ? met(
          "Kaigi's invitation subject line names neither the meeting's title nor its level; keep it that way when forwarding.",
          'Kaigi の案内の件名には会議名も機密性も含まれません。転送時もそのままにしてください。',
        )
      : notMet('The invitation subject may reveal the meeting.', '案内の件名から会議の内容が分かる可能性があります。'),

  'IPA-4.2(1)-a': (c) => checkerVerdict(c),

  'IPA-4.2(1)-b': (c) => guestsCheckedVerdict(c, false),

  'IPA-4.2(2)-a': (c) => {
    const objs = c.f.dataMap.objects;
    if (objs.length === 0) return met('Nothing of this meeting is stored on the server, so there is nothing to move.', 'この会議のデータはサーバに保存されておらず、移すものはありません。');
    const lastStored = objs.map((o) => o.createdAt).sort().at(-1) ?? '';
    const lastExport = c.a.exports.at(-1);
    if (lastExport && lastExport >= lastStored) {
      return met(`Exported to the host's device as a passphrase-encrypted archive at ${lastExport}, after the last object was stored.`, `最後の保存の後、${lastExport} にパスフレーズで暗号化したアーカイブとして主催者の端末にエクスポート済みです。`);
    }
    return notMet(
      `${objs.length} object(s) are on the server and ${lastExport ? 'some were stored after the last export' : 'none has been exported'}: export them (Data map → Export, passphrase-encrypted) to keep them on your device.`,
      `サーバに ${objs.length} 件のオブジェクトがあり、${lastExport ? '最後のエクスポート以降に保存されたものがあります' : 'まだエクスポートされていません'}。手元に残すにはエクスポート(データマップ → エクスポート、パスフレーズで暗号化)してください。`,
    );
  },

  'IPA-4.2(2)-b': (c) => {
    const r = c.f.meeting.retention;
    const unscheduled = c.f.dataMap.objects.filter((o) => o.purgeAt === null && !c.f.live);
    if (unscheduled.length > 0) {
      return notMet(`Stored without a purge time: ${names(unscheduled.map((o) => o.name ?? o.id))}. Delete them from the data map.`, `削除予定のない保存データ: ${names(unscheduled.map((o) => o.name ?? o.id))}。データマップから削除してください。`);
    }
    const d = c.f.dataMap.deletions.length;
    return met(
      `Meeting data is purged automatically, with a certificate, when its retention runs out (files ${after(r.files).en}, recordings ${after(r.recordings).en}, chat ${after(r.chat).en}); ${c.f.dataMap.objects.length} object(s) stored, each with its purge time, ${d} deleted so far. The host can delete any object earlier.`,
      `会議データは保存期間の満了時に自動で削除され、証明書が発行されます(ファイル ${after(r.files).ja}、録画 ${after(r.recordings).ja}、チャット ${after(r.chat).ja})。保存 ${c.f.dataMap.objects.length} 件はすべて削除予定あり、これまでの削除 ${d} 件。主催者はいつでも早めに削除できます。`,
    );
  },

  'IPA-4.3(1)-a': () =>
    participant(
      "Each participant's duty: join from a device the organisation manages, or an approved BYOD device. Kaigi cannot see the device.",
      '各参加者の責任: 組織が管理する端末、または許可された BYOD 端末から参加してください。Kaigi は端末を確認できません。',
    ),

  'IPA-4.3(1)-b': (c) =>
    participant(
      `Each participant's duty: keep the browser and OS up to date.${c.f.product.browserOnly ? ' Kaigi itself is served by this server as a web page, so it is always the server\'s current version.' : ''}`,
      `各参加者の責任: ブラウザと OS を最新に保ってください。${c.f.product.browserOnly ? 'Kaigi 自体はこのサーバが配信するウェブページなので、常にサーバの最新版です。' : ''}`,
    ),

  'IPA-4.3(1)-c': (c) =>
    participant(
      `Each participant's duty: use only the organisation's Kaigi address.${c.f.product.browserOnly ? ' Kaigi runs in the browser: there is nothing to download, so a download offered in its name is fake.' : ''}`,
      `各参加者の責任: 組織の Kaigi のアドレスのみを使ってください。${c.f.product.browserOnly ? 'Kaigi はブラウザで動作し、ダウンロードするものはありません。Kaigi を名乗るダウンロードは偽物です。' : ''}`,
    ),

  'IPA-4.3(2)': (c) =>
    participant(
      `Each participant's duty: choose where to sit and what the camera and microphone pick up. Kaigi helps: camera and microphone stay off on the pre-join screen until turned on, with a preview${c.f.meeting.rules.muteOnEntry ? ', and everyone enters muted with the camera off' : ''}.`,
      `各参加者の責任: 場所を選び、カメラとマイクに何が入るかに注意してください。Kaigi の支援: 参加前の画面ではカメラとマイクはオンにするまでオフで、プレビューで確認できます${c.f.meeting.rules.muteOnEntry ? '。入室時はミュート・カメラオフです' : ''}。`,
    ),
};
