// Entry, kept tiny so that it runs the moment it arrives and starts at once, side by side,
// what the opened page needs: its first data (first-queries.ts; the requests travel while
// the app's code loads), the page's chunk and the app (root.tsx). The server's index.html
// already names that chunk and its imports as modulepreload links (page-routes.ts), so they
// are usually on their way before this runs; /api/v1/auth/me is too (index.html preloads
// it, see web/vite.config.ts). A page the server rendered (rendered-state.ts) needs none of
// the data requests: it came with its data. The app is mounted once the page's chunk is in, so that its
// first render draws the page, with its data when that has arrived. The styles are
// imported here so that the build links them from index.html.
import './mantine-styles.ts';
import '@mantine/notifications/styles.css';
import './app.css';
import { startEarlyRequests } from './api/early-requests.ts';
import { firstQueries, queryUrl } from './first-queries.ts';
import { loadPage } from './page-chunks.ts';
import { pageRoutes } from './page-routes.ts';
import { renderedState } from './rendered-state.ts';

const queries = firstQueries(location);
// A page the server rendered came with its data.
if (!renderedState()) startEarlyRequests(queries.map(queryUrl));
const page = pageRoutes.find(({ pattern }) => new RegExp(pattern).test(location.pathname));
// A failed early load is not an error yet: the route's own load tries again and shows it.
const pageLoaded = page ? loadPage(page.module).catch(() => undefined) : undefined;
void Promise.all([import('./root.tsx'), pageLoaded]).then(([root]) => root.mountApp(queries));
