// The sign-in page of a dashboard bound beyond loopback (it needs the serve token).
import { html, type SafeHtml } from '../html.ts';

export function loginPage(failed: boolean): SafeHtml {
  return html`<div class="login card">
    <h1>acsync</h1>
    <p>This dashboard needs the token it was started with (<code>--token</code> or <code>ACSYNC_SERVE_TOKEN</code>).</p>
    ${failed ? html`<p class="banner banner-error" role="alert">That token is not the right one.</p>` : ''}
    <form method="post" action="/login">
      <div class="field">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      </div>
      <button type="submit" class="button primary">Sign in</button>
    </form>
  </div>`;
}
