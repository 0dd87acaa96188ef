import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SecondFactorChallenge, SessionResponse, UserInfo } from '@kaigi/protocol';
import { api } from '../api/http';

export interface Auth {
  /** False until GET /api/auth/session has answered (or failed). */
  ready: boolean;
  user: UserInfo | null;
  /** Signs in with the password; an account with a second factor answers with its challenge instead (B5). */
  signIn: (username: string, password: string) => Promise<SecondFactorChallenge | null>;
  /** The session a second factor finished (B5). */
  finishSignIn: (session: SessionResponse) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<UserInfo | null>(null);

  useEffect(() => {
    let live = true;
    api
      .session()
      .then((s) => {
        if (live) setUser(s.user);
      })
      .catch(() => {
        if (live) setUser(null);
      })
      .finally(() => {
        if (live) setReady(true);
      });
    return () => {
      live = false;
    };
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const s = await api.signIn({ username, password });
    setUser(s.user);
    return s.secondFactor ?? null;
  }, []);

  const finishSignIn = useCallback((s: SessionResponse) => setUser(s.user), []);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } finally {
      setUser(null);
      // A fresh session (and CSRF token) for whatever comes next.
      await api.session().catch(() => undefined);
    }
  }, []);

  const value = useMemo(() => ({ ready, user, signIn, finishSignIn, signOut }), [ready, user, signIn, finishSignIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
