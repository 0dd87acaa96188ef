import { useAuth } from '../../auth';
import { Link, securityPath } from '../../router';
import { useSecurityStrings } from './strings';
import './security.css';

/** The header's link to the Security page (B5), for a signed-in user. */
export function SecurityLink() {
  const auth = useAuth();
  const s = useSecurityStrings();
  if (!auth.user) return null;
  return (
    <nav className="security-nav" aria-label={s.navSecurity}>
      <Link to={securityPath}>{s.navSecurity}</Link>
    </nav>
  );
}
