import { Fragment, useMemo } from 'react';
import { linkify } from './linkify';

/**
 * A chat message as React text, with http(s) URLs as links that open in a new tab without
 * referrer or opener (H4). Everything else, including file: and UNC paths, is plain text.
 */
export function ChatText({ text }: { text: string }) {
  const segments = useMemo(() => linkify(text), [text]);
  return (
    <>
      {segments.map((s, i) =>
        s.type === 'link' ? (
          <a key={i} className="chat-link" href={s.href} title={s.href} rel="noopener noreferrer nofollow" target="_blank">
            {s.text}
          </a>
        ) : (
          <Fragment key={i}>{s.text}</Fragment>
        ),
      )}
    </>
  );
}
