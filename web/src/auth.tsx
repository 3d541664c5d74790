// Who is signed in. The session lives in an HttpOnly cookie the page cannot read, so
// `GET /auth/me` is the source of truth; it also hands out the CSRF token. A pasted API
// token (e.g. the admin token printed at first start) works as a fallback sign-in.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, bearerToken, setBearerToken, setCsrfToken, setUnauthorizedHandler } from './api/client.ts';
import type { Me, Role, Session, SignedIn } from './api/types.ts';

interface AuthState {
  user: SignedIn | null;
  loading: boolean;
  login: (username: string, password: string) => Promise<void>;
  loginWithToken: (token: string) => Promise<void>;
  logout: () => Promise<void>;
  can: (role: Role) => boolean;
}

const AuthContext = createContext<AuthState | null>(null);
const roleOrder: Role[] = ['viewer', 'operator', 'admin'];

/** Who GET /auth/me says is signed in: a user, or an API token standing in for one; null for nobody. */
export function signedInFrom(me: Me): SignedIn | null {
  if (me.user) return me.user;
  if (me.token) return { id: `token:${me.token.id}`, username: me.token.name, role: me.token.role, viaToken: true };
  return null;
}

/** Who is signed in (and the CSRF token). With a bearer token but no /auth/me (older server), probe a read route and assume admin. */
export async function whoAmI(): Promise<SignedIn> {
  try {
    const me = await api<Me>('GET', '/auth/me');
    setCsrfToken(me.csrf_token ?? null);
    const signedIn = signedInFrom(me);
    if (signedIn) return signedIn;
    throw new ApiError(401, { code: 'unauthorized', message: 'not signed in' });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && bearerToken()) {
      await api('GET', '/system/status');
      return { id: 'token', username: 'token', role: 'admin', viaToken: true };
    }
    throw error;
  }
}

/** `signedIn`: who is signed in, when the caller asked (whoAmI, null: nobody) before rendering; asked here otherwise. */
export function AuthProvider({ children, signedIn }: { children: ReactNode; signedIn?: SignedIn | null }) {
  const [user, setUser] = useState<SignedIn | null>(signedIn ?? null);
  const [loading, setLoading] = useState(signedIn === undefined);

  useEffect(() => {
    let cancelled = false;
    if (signedIn === undefined)
      whoAmI()
        .then((me) => !cancelled && setUser(me))
        .catch(() => !cancelled && setUser(null))
        .finally(() => !cancelled && setLoading(false));
    setUnauthorizedHandler(() => setUser(null));
    return () => {
      cancelled = true;
      setUnauthorizedHandler(null);
    };
  }, [signedIn]);

  const login = useCallback(async (username: string, password: string) => {
    setBearerToken(null);
    const response = await api<Session>('POST', '/auth/login', { username, password });
    setCsrfToken(response.csrf_token);
    setUser(response.user);
  }, []);

  const loginWithToken = useCallback(async (token: string) => {
    setBearerToken(token.trim());
    try {
      setUser(await whoAmI());
    } catch (error) {
      setBearerToken(null);
      throw error;
    }
  }, []);

  const logout = useCallback(async () => {
    if (!bearerToken()) await api('POST', '/auth/logout', {}).catch(() => undefined);
    setBearerToken(null);
    setCsrfToken(null);
    setUser(null);
  }, []);

  const value = useMemo<AuthState>(
    () => ({
      user,
      loading,
      login,
      loginWithToken,
      logout,
      can: (role) => user !== null && roleOrder.indexOf(user.role) >= roleOrder.indexOf(role),
    }),
    [user, loading, login, loginWithToken, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
