import type { GraphProblem } from './graph-port';

/**
 * What an administrator should do about a problem, in words: the mistakes admins make with an app
 * registration are few and predictable (the secret's ID pasted for its value, no admin consent, a secret
 * that expired two years after it was made), so each gets its own sentence.
 */
export function adviceFor(problem: GraphProblem): string {
  const code = problem.detail.code ? ` (${problem.detail.code})` : '';
  switch (problem.kind) {
    case 'SECRET_INVALID':
      return `Microsoft refused the client secret${code}: paste the secret's Value, not its Secret ID (Azure shows the value only once, when the secret is created; create a new secret if it is lost).`;
    case 'SECRET_EXPIRED':
      return `The client secret has expired${code}: create a new client secret under Certificates & secrets in the app registration and save it here with its expiry date.`;
    case 'CLIENT_UNKNOWN':
      return `Microsoft knows no application with this client ID in this directory${code}: check the Application (client) ID and the Directory (tenant) ID on the app registration's Overview page.`;
    case 'TENANT_UNKNOWN':
      return `Microsoft knows no directory with this tenant ID${code}: copy the Directory (tenant) ID from the app registration's Overview page.`;
    case 'PERMISSION_MISSING':
      return `Microsoft Graph refused to read photos${code}: add the application permission User.Read.All (or ProfilePhoto.Read.All) to the app registration and grant admin consent for the directory.`;
    case 'TOKEN_REJECTED':
      return `Microsoft Graph refused the app's token${code}: check that the app registration belongs to this directory, then test the connection again.`;
    case 'LOGIN_FAILED':
      return `Microsoft's login endpoint failed${code} (${problem.message}): the next sync tries again.`;
    case 'THROTTLED':
      return `Microsoft Graph is throttling requests${code}: the next sync tries again.`;
    case 'TOO_LARGE':
      return 'The photo is larger than Portico accepts.';
    case 'TIMEOUT':
      return `${problem.detail.host ?? 'Microsoft'} did not answer in time: the next sync tries again; if it keeps happening, check the network between Portico and Microsoft.`;
    case 'UNREACHABLE':
      return `Portico could not reach ${problem.detail.host ?? 'Microsoft'}: check the server's network, DNS and proxy settings (${problem.message}).`;
    case 'UNEXPECTED':
      return `Microsoft answered unexpectedly${code}${problem.detail.status ? ` with HTTP ${problem.detail.status}` : ''}: ${problem.message}`;
  }
}
