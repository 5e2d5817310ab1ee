package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// sessionCookie is the cookie a browser gets after presenting the token
// (login form or ?token=). Its value is derived from the token (an HMAC), so
// the token itself is never stored in the browser; it stays valid until the
// browser closes or the server's token changes.
const sessionCookie = "pgevents_session"

// auth checks the bearer token. A zero auth (no token) lets everyone in.
type auth struct {
	enabled   bool
	session   []byte // the session cookie's value
	tokenHash [32]byte
}

func newAuth(token string) *auth {
	if token == "" {
		return &auth{}
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("pgevents serve session v1"))
	return &auth{
		enabled:   true,
		session:   []byte(base64.RawURLEncoding.EncodeToString(mac.Sum(nil))),
		tokenHash: sha256.Sum256([]byte(token)),
	}
}

// validToken compares a presented token with the server's in constant time
// (hashes of equal length, so not even the length leaks).
func (a *auth) validToken(presented string) bool {
	h := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(h[:], a.tokenHash[:]) == 1
}

// authenticated reports whether r carries the token: an Authorization:
// Bearer header or the session cookie.
func (a *auth) authenticated(r *http.Request) bool {
	if !a.enabled {
		return true
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		return ok && strings.EqualFold(scheme, "Bearer") && a.validToken(strings.TrimSpace(token))
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), a.session) == 1
	}
	return false
}

func (a *auth) setSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    string(a.session),
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
}

// requireToken lets through authenticated requests, the static assets
// (the same embedded CSS and JS for everyone, needed by the login page) and
// the login and logout forms. A page request with a valid ?token= gets the
// session cookie and is redirected to the same address without it. Any other
// request for a page is redirected to the login form; requests with a wrong
// Authorization header, API requests (the live tail stream, /metrics) and
// non-GET requests get 401.
func (s *Server) requireToken(next http.Handler) http.Handler {
	a := s.auth
	if !a.enabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/static/") || p == "/login" || p == "/logout" {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		if q.Has("token") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if a.validToken(q.Get("token")) {
				a.setSession(w, r)
				q.Del("token")
				u := url.URL{Path: p, RawQuery: q.Encode()}
				http.Redirect(w, r, safeNext(u.String()), http.StatusSeeOther)
				return
			}
			s.renderLogin(w, r, http.StatusUnauthorized, safeNext(r.URL.Path), "That token is not valid.")
			return
		}
		if a.authenticated(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Authorization") != "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) || strings.HasPrefix(p, "/api/") || p == "/metrics" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pgevents"`)
			http.Error(w, "pgevents: unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
	})
}

// safeNext returns next when it is a path on this server, else "/": the
// login form never redirects elsewhere.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// loginPage is the login form's data.
type loginPage struct {
	Error string
	Next  string
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, next, message string) {
	s.render(w, r, status, "login", "Log in", "", loginPage{Error: message, Next: next})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if !s.auth.enabled || s.auth.authenticated(r) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, next, "")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.auth.enabled {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, "/", "The form could not be read.")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if !s.auth.validToken(r.PostForm.Get("token")) {
		s.renderLogin(w, r, http.StatusUnauthorized, next, "That token is not valid.")
		return
	}
	s.auth.setSession(w, r)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
