// The clauses of the two guidance documents Kaigi implements, for the per-meeting security report
// (F3). Sources: IPA, "Web 会議サービスを使用する際のセキュリティ上の注意事項" (2020-07-14), sections
// 3.1 … 5.3; Kyoto University, "Zoom全学ライセンスにおけるセキュリティとプライバシーについて" (2020-04),
// cited as KU. One entry per actionable clause, each with the requirement IDs of
// docs/requirements.md that implement it (empty where only the person concerned can act).

export type GuidanceSource = 'IPA' | 'KU';

export interface GuidanceClause {
  /** Stable ID, e.g. 'IPA-3.1-a', 'IPA-4.1(2)-d', 'KU-password'. */
  id: string;
  source: GuidanceSource;
  /** Section as printed in the source, e.g. '4.1(2)'. */
  section: string;
  /** Short heading. */
  title: { ja: string; en: string };
  /** What the clause asks: ja close to the source wording, en a faithful translation. */
  text: { ja: string; en: string };
  /** Kaigi requirement IDs (requirements.md) that implement the clause. */
  requirements: string[];
  /** Who must act: the organisation (procurement, contract), the meeting's host, or each participant. */
  scope: 'organisation' | 'meeting' | 'participant';
  /** Only for clauses that apply to particular confidentiality levels (IPA 5.1 High, 5.2 Medium, 5.3 Low). */
  levels?: ('high' | 'medium' | 'low')[];
}

export const GUIDANCE_CLAUSES: readonly GuidanceClause[] = [
  // ── IPA 3: points to consider when choosing a service ─────────────────────────────────────────
  {
    id: 'IPA-3.1-a', source: 'IPA', section: '3.1', scope: 'organisation', requirements: ['E1', 'I1'],
    title: { ja: 'クラウドかオンプレミスかの確認', en: 'Cloud or on-premises' },
    text: {
      ja: '音声、映像、共有資料、チャット、録画・録音データ等の会議データがどこに格納されるかは情報漏えいリスクに大きく影響するため、使用する Web 会議サービスがクラウドサービス、オンプレミスのいずれかをまず確認する。',
      en: 'Where meeting data (audio, video, shared materials, chat, recordings) is stored strongly affects the risk of leaks, so first confirm whether the web meeting service is a cloud service or on-premises.',
    },
  },
  {
    id: 'IPA-3.1-b', source: 'IPA', section: '3.1', scope: 'organisation', requirements: ['E2', 'F2'],
    title: { ja: 'データセンターの所在国', en: 'Country of the data centres' },
    text: {
      ja: 'クラウドサービスでは海外のデータセンターが利用されることがあり、国によっては政府が法に基づきデータを強制収容するリスクがあるため、どの国のデータセンターを使用するかを確認する(契約を通さない無料サービスでは特に注意)。',
      en: 'Cloud services may use data centres abroad, and in some countries the government may seize data under law; confirm which countries\' data centres are used (take particular care with free services, which involve no contract).',
    },
  },
  {
    id: 'IPA-3.1-c', source: 'IPA', section: '3.1', scope: 'organisation', requirements: ['E3'],
    title: { ja: 'セキュアデリート機能', en: 'Secure deletion' },
    text: {
      ja: 'クラウド上に録画・録音データを保存する場合には、復元不可能な形で完全削除ができるか(セキュアデリート機能の有無)を確認する。',
      en: 'When recordings are stored in the cloud, confirm that they can be deleted completely and irrecoverably (whether there is a secure-delete function).',
    },
  },
  {
    id: 'IPA-3.2-a', source: 'IPA', section: '3.2', scope: 'organisation', requirements: ['D1', 'D3'],
    title: { ja: 'サービス提供者が暗号鍵を持つか', en: 'Whether the provider holds the keys' },
    text: {
      ja: 'Web 会議サービスが「サービス提供者が暗号鍵をもたないエンドツーエンド暗号化」か、「サービス提供者が暗号鍵を持ち会議データがサーバで復号可能な方式」かを確認する。エンドツーエンド暗号化では暗号鍵は参加者のみが保有し、サービス提供者は復号できない。',
      en: 'Confirm whether the service uses end-to-end encryption, where the provider holds no keys, or a scheme where the provider holds the keys and meeting data can be decrypted on the server. With end-to-end encryption only the participants hold the keys and the provider cannot decrypt.',
    },
  },
  {
    id: 'IPA-3.2-b', source: 'IPA', section: '3.2', scope: 'organisation', requirements: ['D1', 'E2'],
    title: { ja: '提供者が鍵を持つ場合の強制収容リスク', en: 'Provider-held keys and seizure abroad' },
    text: {
      ja: 'サービス提供者が暗号鍵を持つ場合、サービス提供者が信頼できるとしても、海外には政府によるサーバのデータの強制収容リスクがあることに注意する。',
      en: 'If the provider holds the keys, bear in mind that, however trustworthy the provider, data on servers abroad is at risk of seizure by governments.',
    },
  },
  {
    id: 'IPA-3.2-c', source: 'IPA', section: '3.2', scope: 'organisation', requirements: ['D4'],
    title: { ja: 'エンドツーエンド暗号化時の制限事項', en: 'Restrictions under end-to-end encryption' },
    text: {
      ja: 'エンドツーエンド暗号化とそれ以外の両方の動作モードを持つ場合、エンドツーエンド暗号化を選択するとサーバでの復号を必要とする機能は使えなくなる可能性があるため、制限事項を事前に確認する。',
      en: 'If the service has both an end-to-end encrypted mode and another mode, features that need decryption on the server may become unavailable when end-to-end encryption is chosen; check these restrictions in advance.',
    },
  },
  {
    id: 'IPA-3.2-d', source: 'IPA', section: '3.2', scope: 'organisation', requirements: ['D5'],
    title: { ja: '安全性が確認された暗号アルゴリズム', en: 'Established cryptographic algorithms' },
    text: {
      ja: '安全性が確認されている暗号アルゴリズム(CRYPTREC 暗号リストの「電子政府推奨暗号リスト」または「推奨候補暗号リスト」)が採用されているかを確認する。',
      en: 'Confirm that cryptographic algorithms of established security are used (the CRYPTREC Ciphers List: the "e-Government Recommended Ciphers List" or the "Candidate Recommended Ciphers List").',
    },
  },
  {
    id: 'IPA-3.2-e', source: 'IPA', section: '3.2', scope: 'organisation', requirements: ['D6'],
    title: { ja: '安全な通信方式', en: 'Secure communication protocol' },
    text: {
      ja: '通信路が安全でない場合、会議データの盗聴、改ざんの脅威が発生するため、通信方式が TLS 暗号設定ガイドラインの「推奨セキュリティ型」または「高セキュリティ型」等に沿っているかを確認する。',
      en: 'An insecure channel exposes meeting data to eavesdropping and tampering; confirm that the communication protocol follows the "recommended security" or "high security" type of the TLS Cipher Suite Configuration Guideline or similar.',
    },
  },
  {
    id: 'IPA-3.3-a', source: 'IPA', section: '3.3', scope: 'meeting', requirements: ['B1', 'B2', 'B3', 'B4', 'B5', 'F1'],
    title: { ja: '確認・認証方式の選択', en: 'Choice of participant verification and authentication' },
    text: {
      ja: '会議パスワード設定機能、待機室(ロビー)での参加者確認機能、参加者の事前登録機能、参加者名の設定機能(会議毎の規則、事前申告)、二要素認証等の中から、主催する会議の機密性、参加人数等に応じた最適な方式を選択する。',
      en: 'From meeting passwords, checking participants in a waiting room (lobby), pre-registration, participant name rules (a rule per meeting, names declared in advance) and two-factor authentication, choose the method best suited to the meeting\'s confidentiality and number of participants.',
    },
  },
  {
    id: 'IPA-3.3-b', source: 'IPA', section: '3.3', scope: 'organisation', requirements: ['B6'],
    title: { ja: '参加者の確認と強制退室', en: 'Seeing who is present, removing participants' },
    text: {
      ja: '主催者が、誰が参加しているかを容易に確認でき、万が一の場合には参加者を強制退室できる機能を備えていること。',
      en: 'The host can easily see who is present and, should it be necessary, forcibly remove a participant.',
    },
  },
  {
    id: 'IPA-3.4', source: 'IPA', section: '3.4', scope: 'organisation', requirements: ['H1'],
    title: { ja: 'プライバシーポリシー', en: 'Privacy policy' },
    text: {
      ja: '音声・映像、参加者のメールアドレス等の属性等の個人情報が会議目的以外で第三者提供を含め使用されないこと、個人情報保護法等の法律、規制に準拠していることを確認する。',
      en: 'Confirm that personal data (audio, video, attributes such as participants\' e-mail addresses) is not used for anything but the meeting, provision to third parties included, and that its handling complies with the Act on the Protection of Personal Information and other laws and regulations.',
    },
  },
  {
    id: 'IPA-3.5-a', source: 'IPA', section: '3.5', scope: 'organisation', requirements: ['H3'],
    title: { ja: '脆弱性情報のウォッチ', en: 'Watching vulnerability information' },
    text: {
      ja: 'サービス提供者のウェブサイト、JVN iPedia、ニュース等の脆弱性情報をウォッチし、Web 会議サービスの脆弱性の発生状況、対策状況を把握する。',
      en: 'Watch vulnerability information (the provider\'s website, JVN iPedia, news) and keep track of the service\'s vulnerabilities and how they are being fixed.',
    },
  },
  {
    id: 'IPA-3.5-b', source: 'IPA', section: '3.5', scope: 'organisation', requirements: ['H3'],
    title: { ja: 'セキュリティへの取り組みと情報公開', en: 'Security commitment and disclosure' },
    text: {
      ja: 'サービス提供者のセキュリティに対する取り組み姿勢と情報公開姿勢を確認し、一般の利用者にもわかりやすいセキュリティ上の注意事項等や最新のセキュリティ対策状況が公開されているかを確認する。',
      en: 'Check the provider\'s commitment to security and to disclosure: whether security advice that ordinary users can understand and the current state of its security measures are published.',
    },
  },

  // ── IPA 4.1: preparing the meeting ───────────────────────────────────────────────────────────
  {
    id: 'IPA-4.1(1)', source: 'IPA', section: '4.1(1)', scope: 'meeting', requirements: ['F1', 'F2'],
    title: { ja: '会議の機密性の確認', en: 'Confidentiality of the meeting' },
    text: {
      ja: '各組織の規則に従い会議の機密性を確認し、それに応じた最適な会議開催方法を選択する。',
      en: 'Determine the meeting\'s confidentiality according to the organisation\'s rules and choose the way of holding it that best suits that confidentiality.',
    },
  },
  {
    id: 'IPA-4.1(2)-a', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['D1', 'D3', 'F1'],
    title: { ja: 'エンドツーエンド暗号化の利用可否', en: 'End-to-end encryption, or accepted risk' },
    text: {
      ja: 'エンドツーエンド暗号化の会議は利用可能か、利用できない場合、サーバで万が一復号されるリスクは許容可能かを判断する。',
      en: 'Decide whether an end-to-end encrypted meeting is available and, if not, whether the risk of the data being decrypted on the server is acceptable.',
    },
  },
  {
    id: 'IPA-4.1(2)-b', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: [],
    title: { ja: '外部組織の参加者の同意', en: 'Agreement of participants from other organisations' },
    text: {
      ja: '会議参加者に外部組織の人がいる場合には、それら組織のセキュリティポリシーに準拠しているかについて参加者の同意を得る。',
      en: 'When people from other organisations take part, obtain their agreement as to whether the arrangements comply with their organisations\' security policies.',
    },
  },
  {
    id: 'IPA-4.1(2)-c', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['F4'],
    title: { ja: '非公開設定', en: 'Private meeting' },
    text: {
      ja: '非公開会議の場合は、会議を非公開に設定する。',
      en: 'For a private meeting, set the meeting to private.',
    },
  },
  {
    id: 'IPA-4.1(2)-d', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['B1', 'B2'],
    title: { ja: '会議パスワードと待機室', en: 'Meeting password and waiting room' },
    text: {
      ja: '意図しない参加者を避けるため、会議パスワードを設定し、待機室機能を有効にする。',
      en: 'To avoid unintended participants, set a meeting password and enable the waiting room.',
    },
  },
  {
    id: 'IPA-4.1(2)-e', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['C1', 'C2', 'C4'],
    title: { ja: '入室時に許可する機能', en: 'What participants may do on entry' },
    text: {
      ja: '参加者の入室時に許可する機能(主催者以外全員ミュート状態等)を確認する。',
      en: 'Check which functions participants are allowed on entry (for example, everyone but the host muted).',
    },
  },
  {
    id: 'IPA-4.1(2)-f', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['G1', 'G2'],
    title: { ja: '会議パスワードの別経路送付', en: 'Password sent by a separate route' },
    text: {
      ja: '会議の機密性、会議参加者の人数に応じ、会議案内メールと別経路で会議パスワードを送付する。',
      en: 'According to the meeting\'s confidentiality and number of participants, send the meeting password by a route separate from the invitation e-mail.',
    },
  },
  {
    id: 'IPA-4.1(2)-g', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['B5'],
    title: { ja: '参加者の二要素認証', en: 'Two-factor authentication of participants' },
    text: {
      ja: '会議の機密性、会議参加者の人数に応じ、参加者の二要素認証を適切に使用する。',
      en: 'According to the meeting\'s confidentiality and number of participants, use two-factor authentication of participants as appropriate.',
    },
  },
  {
    id: 'IPA-4.1(2)-h', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['B3'],
    title: { ja: '参加者の事前登録', en: 'Pre-registration of participants' },
    text: {
      ja: '会議の機密性、会議参加者の人数に応じ、参加者の事前登録機能を適切に使用する。',
      en: 'According to the meeting\'s confidentiality and number of participants, use pre-registration of participants as appropriate.',
    },
  },
  {
    id: 'IPA-4.1(2)-i', source: 'IPA', section: '4.1(2)', scope: 'meeting', requirements: ['B6', 'C3'],
    title: { ja: '強制退室機能', en: 'Forcible removal' },
    text: {
      ja: '万が一意図しない参加者が登場した場合に備え、参加者の強制退室機能が使えることを確認する。',
      en: 'In case an unintended participant appears, make sure that participants can be forcibly removed.',
    },
  },
  {
    id: 'IPA-4.1(3)-a', source: 'IPA', section: '4.1(3)', scope: 'meeting', requirements: ['G1'],
    title: { ja: '開催案内の安全な送付経路', en: 'Safe route for the invitation' },
    text: {
      ja: '会議 URL、会議パスワード等を記載した会議開催案内は安全な経路で送付する。',
      en: 'Send the invitation carrying the meeting URL, meeting password and the like by a safe route.',
    },
  },
  {
    id: 'IPA-4.1(3)-b', source: 'IPA', section: '4.1(3)', scope: 'meeting', requirements: ['F4', 'G1'],
    title: { ja: 'ソーシャルメディア経由の案内を避ける', en: 'No invitations through social media' },
    text: {
      ja: '非公開会議の場合、ソーシャルメディア経由の案内は避ける。',
      en: 'For a private meeting, do not announce it through social media.',
    },
  },
  {
    id: 'IPA-4.1(3)-c', source: 'IPA', section: '4.1(3)', scope: 'meeting', requirements: ['G1'],
    title: { ja: '機密性を悟られない題名', en: 'Neutral subject line' },
    text: {
      ja: '機密性の高い会議の場合、万が一の案内メールの漏えいに備え、メールの題名は機密性を悟られない文面とする。',
      en: 'For a highly confidential meeting, in case the invitation e-mail leaks, word its subject line so that it does not reveal the meeting\'s sensitivity.',
    },
  },

  // ── IPA 4.2: holding the meeting ─────────────────────────────────────────────────────────────
  {
    id: 'IPA-4.2(1)-a', source: 'IPA', section: '4.2(1)', scope: 'meeting', requirements: ['B7'],
    title: { ja: '参加者確認の担当者', en: 'A person in charge of checking participants' },
    text: {
      ja: '組織外参加者がいる会議では特に、意図しない第三者が会議に参加しないよう、参加者確認業務の担当者を明確にする。',
      en: 'Especially when people from outside the organisation take part, name the person in charge of checking participants, so that no unintended third party joins.',
    },
  },
  {
    id: 'IPA-4.2(1)-b', source: 'IPA', section: '4.2(1)', scope: 'meeting', requirements: ['B7'],
    title: { ja: '顔、声による確認', en: 'Checking by face and voice' },
    text: {
      ja: '参加者の確認方法としては、顔、声による確認も有効である。',
      en: 'Checking participants by their face and voice is also an effective method.',
    },
  },
  {
    id: 'IPA-4.2(2)-a', source: 'IPA', section: '4.2(2)', scope: 'meeting', requirements: ['E5'],
    title: { ja: 'クライアント端末への移動・暗号化', en: 'Move to the host\'s device, encrypted' },
    text: {
      ja: '会議録音・録画データ、共有資料、チャット等の会議データがクラウド上に存在する場合には、会議終了後にクライアント端末へ移動し暗号化する。',
      en: 'If meeting data (recordings, shared materials, chat) is in the cloud, after the meeting move it to a client device and encrypt it.',
    },
  },
  {
    id: 'IPA-4.2(2)-b', source: 'IPA', section: '4.2(2)', scope: 'meeting', requirements: ['E1', 'E3', 'E4'],
    title: { ja: 'クラウド上からの削除', en: 'Deletion from the cloud' },
    text: {
      ja: '会議終了後、クラウド上に存在する会議録音・録画データ、共有資料、チャット等の会議データを削除する。',
      en: 'After the meeting, delete meeting data (recordings, shared materials, chat) that is in the cloud.',
    },
  },

  // ── IPA 4.3: general points for everyone, participants included ──────────────────────────────
  {
    id: 'IPA-4.3(1)-a', source: 'IPA', section: '4.3(1)', scope: 'participant', requirements: [],
    title: { ja: '管理された端末の使用', en: 'A managed device' },
    text: {
      ja: 'セキュリティ対策が十分に管理されている組織からの支給端末、または BYOD として組織から許可され一定のセキュリティ対策が施されている私物端末を使用する。',
      en: 'Use a device issued by the organisation whose security is well managed, or a personal device the organisation has approved as BYOD and that has a certain level of security measures.',
    },
  },
  {
    id: 'IPA-4.3(1)-b', source: 'IPA', section: '4.3(1)', scope: 'participant', requirements: ['A1', 'H3'],
    title: { ja: 'クライアントソフトと OS の更新', en: 'Client software and OS up to date' },
    text: {
      ja: '脆弱性の悪用を防ぐため、Web 会議サービスのクライアントソフト、およびクライアント端末の OS 等を常に最新の状態にアップデートする。',
      en: 'To prevent exploitation of vulnerabilities, always keep the web meeting client software and the device\'s OS and other software up to date.',
    },
  },
  {
    id: 'IPA-4.3(1)-c', source: 'IPA', section: '4.3(1)', scope: 'participant', requirements: ['A1'],
    title: { ja: '偽サイトに注意', en: 'Beware of fake download sites' },
    text: {
      ja: 'Web 会議サービスのクライアントソフトをダウンロードする時は「偽サイト」に注意し、サービス提供者の公式サイトや公式マーケット等からダウンロードする。',
      en: 'When downloading the client software, beware of fake sites; download it from the provider\'s official site or an official store.',
    },
  },
  {
    id: 'IPA-4.3(2)', source: 'IPA', section: '4.3(2)', scope: 'participant', requirements: ['H5'],
    title: { ja: '参加環境(映り込み・音声の漏えい)', en: 'Where one joins from (background, sound)' },
    text: {
      ja: '機密情報および個人情報保護のために、意図しない映り込みや音声の漏えいを避けるよう、参加者端末の場所、映像の背景に配慮する。',
      en: 'To protect confidential and personal information, choose the device\'s location and the video background so that nothing is shown or heard unintentionally.',
    },
  },

  // ── IPA 5.1: "High" confidentiality ──────────────────────────────────────────────────────────
  {
    id: 'IPA-5.1(1)-a', source: 'IPA', section: '5.1(1)', scope: 'meeting', requirements: ['D1', 'D3', 'F1'], levels: ['high'],
    title: { ja: 'クラウド上での復号を許さない', en: 'No decryption in the cloud' },
    text: {
      ja: '音声データ等の会議データのクラウド上での復号は、会議の機密性の観点から、いかなる形であれ許さない。',
      en: 'Given the meeting\'s confidentiality, meeting data such as audio must not be decrypted in the cloud in any form.',
    },
  },
  {
    id: 'IPA-5.1(1)-b', source: 'IPA', section: '5.1(1)', scope: 'meeting', requirements: ['F1', 'D4'], levels: ['high'],
    title: { ja: '音声・映像とチャットのみ', en: 'Audio, video and chat only' },
    text: {
      ja: 'Web 会議サービスの資料共有、録画機能は使用せず、音声・映像交換およびチャット機能のみを使用する。資料は安全な形でメール添付ファイルとして事前配布し、それを参照する。',
      en: 'Do not use the service\'s material sharing or recording; use only audio/video and chat. Distribute materials beforehand, securely, as e-mail attachments, and refer to them.',
    },
  },
  {
    id: 'IPA-5.1(2)-a', source: 'IPA', section: '5.1(2)', scope: 'meeting', requirements: ['D1', 'D2', 'D3'], levels: ['high'],
    title: { ja: 'エンドツーエンド暗号化', en: 'End-to-end encryption' },
    text: {
      ja: 'Web 会議サービスはエンドツーエンド暗号化ができる製品を使用する。',
      en: 'Use a web meeting product capable of end-to-end encryption.',
    },
  },
  {
    id: 'IPA-5.1(2)-b', source: 'IPA', section: '5.1(2)', scope: 'organisation', requirements: ['E2', 'F2'], levels: ['high'],
    title: { ja: '国内データセンターのみ', en: 'Domestic data centres only' },
    text: {
      ja: '国内データセンターのみを使用する契約とする。',
      en: 'Contract for the use of data centres in Japan only.',
    },
  },
  {
    id: 'IPA-5.1(3)-a', source: 'IPA', section: '5.1(3)', scope: 'meeting', requirements: ['B1', 'B2', 'F1'], levels: ['high'],
    title: { ja: '会議パスワードと待機室', en: 'Meeting password and waiting room' },
    text: {
      ja: '会議パスワードを設定し、待機室機能を有効とする。',
      en: 'Set a meeting password and enable the waiting room.',
    },
  },
  {
    id: 'IPA-5.1(3)-b', source: 'IPA', section: '5.1(3)', scope: 'meeting', requirements: ['G1', 'G2'], levels: ['high'],
    title: { ja: 'パスワードは案内メールと別経路で', en: 'Password apart from the invitation' },
    text: {
      ja: '会議パスワードは会議案内メールとは別経路で組織外参加者に安全に届ける。',
      en: 'Deliver the meeting password to participants from outside the organisation securely, by a route separate from the invitation e-mail.',
    },
  },
  {
    id: 'IPA-5.1(3)-c', source: 'IPA', section: '5.1(3)', scope: 'meeting', requirements: ['B7', 'F1'], levels: ['high'],
    title: { ja: '組織外参加者の声、顔での確認', en: 'Outside participants checked by voice and face' },
    text: {
      ja: '組織外参加者については会議実施時に声、顔での確認を必ず実施する。',
      en: 'During the meeting, always check participants from outside the organisation by voice and face.',
    },
  },

  // ── IPA 5.2: "Medium" confidentiality ────────────────────────────────────────────────────────
  {
    id: 'IPA-5.2(1)-a', source: 'IPA', section: '5.2(1)', scope: 'meeting', requirements: ['E1', 'F1'], levels: ['medium'],
    title: { ja: '会議資料をクラウドに保存しない', en: 'No materials stored in the cloud' },
    text: {
      ja: '情報漏えいリスクを考え、会議資料をクラウド上へ保存しない。Web 会議サービスの資料共有、録画機能は使用せず、資料は安全な形でメール添付ファイルとして事前配布し、それを参照する。',
      en: 'Given the risk of leaks, do not store meeting materials in the cloud: do not use the service\'s material sharing or recording; distribute materials beforehand, securely, as e-mail attachments, and refer to them.',
    },
  },
  {
    id: 'IPA-5.2(1)-b', source: 'IPA', section: '5.2(1)', scope: 'organisation', requirements: ['E2', 'F2'], levels: ['medium'],
    title: { ja: 'グループ A の国のデータセンターのみ', en: 'Data centres in Group A countries only' },
    text: {
      ja: '輸出管理上のグループ A の国のデータセンターのみを使用する契約とする。',
      en: 'Contract for the use of data centres only in countries of Group A under Japan\'s export control.',
    },
  },
  {
    id: 'IPA-5.2(2)-a', source: 'IPA', section: '5.2(2)', scope: 'meeting', requirements: ['D3'], levels: ['medium'],
    title: { ja: 'サーバで復号される方式の確認', en: 'Knowing the server decrypts' },
    text: {
      ja: '暗号化に関しては、サーバで一時的に復号される方式であることを確認する。',
      en: 'As to encryption, confirm that the scheme is one in which data is temporarily decrypted on the server.',
    },
  },
  {
    id: 'IPA-5.2(2)-b', source: 'IPA', section: '5.2(2)', scope: 'meeting', requirements: ['D5', 'D6'], levels: ['medium'],
    title: { ja: '端末・サーバ間の通信の安全性', en: 'Secure transport between devices and server' },
    text: {
      ja: '参加者端末、サーバ間の通信が安全であることを確認する。',
      en: 'Confirm that communication between participants\' devices and the server is secure.',
    },
  },
  {
    id: 'IPA-5.2(3)-a', source: 'IPA', section: '5.2(3)', scope: 'meeting', requirements: ['B1', 'B2', 'F1'], levels: ['medium'],
    title: { ja: '会議パスワードと待機室', en: 'Meeting password and waiting room' },
    text: {
      ja: '会議パスワードを設定し、待機室機能を有効とする。',
      en: 'Set a meeting password and enable the waiting room.',
    },
  },
  {
    id: 'IPA-5.2(3)-b', source: 'IPA', section: '5.2(3)', scope: 'meeting', requirements: ['G1'], levels: ['medium'],
    title: { ja: '案内メールを安全に届ける', en: 'Invitation delivered securely' },
    text: {
      ja: '会議案内メールは安全な形で参加者に届ける。',
      en: 'Deliver the invitation e-mail to participants securely.',
    },
  },
  {
    id: 'IPA-5.2(3)-c', source: 'IPA', section: '5.2(3)', scope: 'meeting', requirements: ['B7', 'F1'], levels: ['medium'],
    title: { ja: '参加者確認の担当者', en: 'A person assigned to check participants' },
    text: {
      ja: '会議実施時の参加者確認は担当者をアサインし実施する。',
      en: 'Assign a person to check participants during the meeting.',
    },
  },

  // ── IPA 5.3: "Low" confidentiality (a course that needs registration) ────────────────────────
  {
    id: 'IPA-5.3(1)', source: 'IPA', section: '5.3(1)', scope: 'meeting', requirements: ['F1'], levels: ['low'],
    title: { ja: '全機能の使用', en: 'All features' },
    text: {
      ja: '会議資料、会議の内容とも機密性は低いため、Web 会議サービスの全機能(音声・映像交換、資料共有、チャット等)を使用し、データの所在(海外・国内等)にはこだわらない。',
      en: 'As neither the materials nor the content are confidential, use all the service\'s features (audio/video, material sharing, chat and so on) and do not restrict where the data is (abroad or in Japan).',
    },
  },
  {
    id: 'IPA-5.3(2)', source: 'IPA', section: '5.3(2)', scope: 'meeting', requirements: ['D5', 'D6'], levels: ['low'],
    title: { ja: '端末・サーバ間の通信の安全性', en: 'Secure transport between devices and server' },
    text: {
      ja: '参加者端末、サーバ間の通信が安全であることを確認する。',
      en: 'Confirm that communication between participants\' devices and the server is secure.',
    },
  },
  {
    id: 'IPA-5.3(3)-a', source: 'IPA', section: '5.3(3)', scope: 'meeting', requirements: ['B3', 'F1'], levels: ['low'],
    title: { ja: '参加者の事前登録', en: 'Pre-registration' },
    text: {
      ja: '参加人数が多いため、参加者事前登録の機能を使用し、参加者の事前確認をする。',
      en: 'As there are many participants, use pre-registration and check participants in advance.',
    },
  },
  {
    id: 'IPA-5.3(3)-b', source: 'IPA', section: '5.3(3)', scope: 'meeting', requirements: ['B3', 'G1', 'F1'], levels: ['low'],
    title: { ja: '会議 URL は参加者のみに', en: 'Join URL to registrants only' },
    text: {
      ja: '会議の URL は参加者のみに届ける。',
      en: 'Send the meeting URL only to the (registered) participants.',
    },
  },
  {
    id: 'IPA-5.3(3)-c', source: 'IPA', section: '5.3(3)', scope: 'meeting', requirements: ['B7', 'F1'], levels: ['low'],
    title: { ja: '参加者確認の担当者', en: 'A person assigned to check participants' },
    text: {
      ja: '会議実施時の参加者確認は担当をアサインし実施する。',
      en: 'Assign a person to check participants during the meeting.',
    },
  },

  // ── KU: Kyoto University, Zoom campus licence (April 2020) ───────────────────────────────────
  {
    id: 'KU-update-client', source: 'KU', section: '最新の状況', scope: 'participant', requirements: ['A1', 'H3'],
    title: { ja: 'クライアントアプリの更新を至急適用', en: 'Apply the client update at once' },
    text: {
      ja: 'UNC Path 問題への対処となる Zoom クライアントアプリのアップデート(2020年4月2日、Version 4.6.9)を至急適用する。',
      en: 'Apply the Zoom client update of 2 April 2020 (version 4.6.9), which deals with the UNC path problem, immediately.',
    },
  },
  {
    id: 'KU-password', source: 'KU', section: '最新の状況', scope: 'meeting', requirements: ['B1'],
    title: { ja: 'ミーティングパスワードの必須化', en: 'Meeting passwords mandatory' },
    text: {
      ja: '全学ライセンス下のユーザーについてもミーティングパスワードの設定を必須とし、いわゆる Zoom Bombing 問題のリスクを低減する。',
      en: 'A meeting password is mandatory for users of the campus licence too, which reduces the risk of so-called Zoom bombing.',
    },
  },
  {
    id: 'KU-announcement', source: 'KU', section: '最新の状況', scope: 'meeting', requirements: ['F4', 'G1'],
    title: { ja: 'ミーティングの周知方法の再確認', en: 'Review how meetings are announced' },
    text: {
      ja: 'ミーティングパスワードの必須化に伴い、ミーティングの周知方法を再度確認する。',
      en: 'With meeting passwords now mandatory, review once more how meetings are announced.',
    },
  },
  {
    id: 'KU-unc-path', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 1)', scope: 'organisation', requirements: ['H4'],
    title: { ja: 'Windows の UNC Path 問題', en: 'The Windows UNC path problem' },
    text: {
      ja: 'システム実装上の問題として挙げられた Windows の UNC Path 問題(4/3 対応済み)がないこと。',
      en: 'The client must not have the Windows UNC path problem, listed as an implementation problem of the system (fixed on 3 April).',
    },
  },
  {
    id: 'KU-third-party-transfer', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 1)', scope: 'organisation', requirements: ['H1'],
    title: { ja: 'Facebook への情報送信問題', en: 'Information sent to Facebook' },
    text: {
      ja: 'システム実装上の問題として挙げられた Facebook への情報送信問題(3/27 対応済み)がないこと。',
      en: 'The client must not send information to Facebook, a problem listed as an implementation problem of the system (fixed on 27 March).',
    },
  },
  {
    id: 'KU-macos-client', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 1)', scope: 'organisation', requirements: ['A1'],
    title: { ja: 'Mac OS 上のクライアントの問題', en: 'Problems of the macOS client' },
    text: {
      ja: 'システム実装上の問題として挙げられた Mac OS の CVE-2019-13567、Mac OS のインストール監視機構回避の問題がないこと。',
      en: 'The client must not have the macOS problems listed as implementation problems of the system: CVE-2019-13567 and the bypassing of macOS installation checks.',
    },
  },
  {
    id: 'KU-e2ee', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 2)', scope: 'meeting', requirements: ['D1', 'D3', 'D4'],
    title: { ja: 'E2E 暗号化の実態', en: 'Whether media really is end-to-end encrypted' },
    text: {
      ja: '動画ストリームを E2E 暗号化と説明していても、クラウドレコーディング機能などのためにクラウド上で一旦復号が必要となる設計では E2E 暗号化は実現されておらず、電子メールなどと同様、機密性のある情報の扱いに配慮する。',
      en: 'A service may describe its video streams as end-to-end encrypted while features such as cloud recording require decryption in the cloud; where end-to-end encryption is not achieved, take care with confidential information, as with e-mail.',
    },
  },
  {
    id: 'KU-camera-mic', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 3)', scope: 'participant', requirements: ['C1', 'H5'],
    title: { ja: 'カメラ・マイクからの意図しない送信', en: 'Unintended sending from camera and microphone' },
    text: {
      ja: 'カメラやマイクからの意図しない映像・音声の情報漏洩(意図しない情報の送信)を避ける。',
      en: 'Avoid leaking information through unintended video or audio from the camera or microphone (sending what one did not mean to send).',
    },
  },
  {
    id: 'KU-bystanders', source: 'KU', section: 'セキュリティ＆プライバシーに関する考え方 3)', scope: 'participant', requirements: [],
    title: { ja: '画面外の第三者', en: 'Third parties off screen' },
    text: {
      ja: '画面外の第３者(家族など)の存在による情報漏洩(受信情報に対するアクセス制限の不徹底等)を避ける。',
      en: 'Avoid leaks through third parties off screen (family members and the like), e.g. from not restricting who can see or hear what one receives.',
    },
  },
  {
    id: 'KU-no-password-reuse', source: 'KU', section: 'これらに対する考察と対策 1)', scope: 'participant', requirements: ['B5'],
    title: { ja: 'パスワードの使い回しをしない', en: 'Do not reuse passwords' },
    text: {
      ja: '同様の脆弱性は Zoom に限らず存在する可能性があるため、パスワードなどの使い回しをしない。',
      en: 'As similar vulnerabilities may exist in applications other than Zoom, do not reuse passwords and the like.',
    },
  },
  {
    id: 'KU-no-admin', source: 'KU', section: 'これらに対する考察と対策 1)', scope: 'participant', requirements: ['A1'],
    title: { ja: '管理者権限を持たないアカウントで起動', en: 'Run without administrator rights' },
    text: {
      ja: 'アプリケーションは管理者権限を持たないアカウントで起動する。',
      en: 'Start the application from an account without administrator rights.',
    },
  },
  {
    id: 'KU-no-confidential-data', source: 'KU', section: 'これらに対する考察と対策 1)', scope: 'participant', requirements: [],
    title: { ja: '端末に機密データを保存しない', en: 'No confidential data on the device' },
    text: {
      ja: 'アプリケーションを利用する端末には機密性のあるデータを保存しておかない。',
      en: 'Do not keep confidential data on the device on which the application is used.',
    },
  },
  {
    id: 'KU-content-sharing', source: 'KU', section: 'これらに対する考察と対策 2)', scope: 'meeting', requirements: ['B6', 'C1', 'C2', 'C3', 'C4'],
    title: { ja: '不適切なコンテンツ共有への慎重な運用', en: 'Careful operation against inappropriate sharing' },
    text: {
      ja: 'いわゆる Zoom Bombing 問題のうち不適切なコンテンツ共有については、双方向型のオンラインミーティングシステム全体の本質的な問題も含むため、引き続き慎重な運用を行う。',
      en: 'Inappropriate content sharing (part of so-called Zoom bombing) is partly inherent in any interactive online meeting system, so continue to operate meetings with care.',
    },
  },
  {
    id: 'KU-url-and-id', source: 'KU', section: 'これらに対する考察と対策 2)', scope: 'meeting', requirements: ['G1'],
    title: { ja: 'URL と ID・パスワードの組の通知', en: 'URL and ID/password pair in the notice' },
    text: {
      ja: 'パスワードが設定されたミーティングの情報を参加者に伝える場合、パスワード情報のついた URL とともに、ミーティング ID とパスワードの組も併せて通知する(通知を受け取った端末とは異なる端末から参加する場合への配慮)。',
      en: 'When telling participants about a password-protected meeting, send the URL with the password in it together with the meeting ID and password pair (for those who join from a device other than the one that received the notice).',
    },
  },
  {
    id: 'KU-high-confidentiality', source: 'KU', section: 'これらに対する考察と対策', scope: 'meeting', requirements: ['D1', 'E2', 'F1'],
    title: { ja: '高機密性情報を扱う会議', en: 'Meetings with highly confidential information' },
    text: {
      ja: '高機密性情報を扱う会議等では、信頼性のあるファイル共有サービス等の併用、あるいは代替となる信頼性のあるビデオ会議サービスの利用も選択肢に入れ、ミーティングの目的・形態・内容に応じて判断する。',
      en: 'For meetings that handle highly confidential information, consider using a reliable file-sharing service alongside, or a reliable alternative video meeting service, and decide according to the meeting\'s purpose, form and content.',
    },
  },
];
