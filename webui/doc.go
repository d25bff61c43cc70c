// Package webui is tooltrail's web interface: a log view with filters,
// one entry with its inclusion proof, a panel with the signed checkpoint
// and, for admins, verification and purges. It is server-rendered HTML
// (html/template) that works with JavaScript off; one small script of our
// own converts times to local time and drives the live view, the only part
// that needs it. Templates, the style sheet and the script are embedded.
//
// # Routes
//
//	GET  /signin            the sign-in form (a reader or admin token)
//	POST /signin            sign in; a writer token is refused
//	POST /signout           sign out
//	GET  /                  the log view: filters, count, one page of entries
//	GET  /entries/{id}      one entry, every field, and its inclusion proof
//	GET  /log               the panel: tree size, checkpoint, verifier key
//	POST /verify            admins: start verifying the whole store
//	GET  /verify/status     admins: the progress and result of the last run
//	POST /purge             admins: the confirmation page of a purge
//	POST /purge/confirm     admins: the purge itself
//	GET  /export            the filter's entries as NDJSON or CSV
//	GET  /stream            the filter's new entries as server-sent events
//	GET  /static/...        the style sheet, the script and the icon
//
// It serves nothing under /v1/, /tile/, /checkpoint, /healthz or
// /metrics: those are the API's, mounted beside it.
//
// # Session
//
// The session cookie holds the token secret itself (HttpOnly,
// SameSite=Strict, Path=/, Secure when Config.Secure, no expiry: it goes
// when the browser closes). Every request looks the token up in the
// auth.Store, as the API does, so revoking a token ends its sessions at
// once, on every server of the database, and the UI keeps no session
// state: a restart signs nobody out. A reader bound to a user sees only
// that user's entries, as in the API.
//
// # Cross-site request forgery
//
// Every POST form carries a token that the server checks before it acts:
// for a signed-in user, the HMAC-SHA256 of a fixed label keyed with the
// session's secret, which the attacker's page cannot read (the cookie is
// HttpOnly) nor compute; it needs no server state and holds across
// restarts and servers. The sign-in form, which has no session yet, uses
// a double-submit token: a random value in a short-lived SameSite=Strict
// cookie and in the form. Besides, every POST must pass
// net/http.CrossOriginProtection (Sec-Fetch-Site, or Origin against Host)
// and, when it has a Referer, come from this host.
package webui
