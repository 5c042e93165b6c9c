package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/vpnlens/vpnlens/server/oauth"
)

// requireAccessToken makes /mcp an OAuth 2.1 protected resource: every
// request carries "Authorization: Bearer <JWT>" issued for this resource
// by the configured authorization server. Refusals follow RFC 6750 and
// the MCP authorization specification: 401 with a WWW-Authenticate
// challenge naming the Protected Resource Metadata (and error=
// "invalid_token" when a token was sent), 403 "insufficient_scope" naming
// the scopes to ask for, 400 "invalid_request" for a token in the URL.
// Invalid tokens count against the client address's allowance (throttle,
// nil for none) like wrong static tokens. The token goes no further than
// this handler: the Authorization header is removed before the request
// reaches MCP, so no tool can see it, let alone pass it on to AWS.
func requireAccessToken(rs *oauth.ResourceServer, throttle *authThrottle, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(status int, te *oauth.TokenError, text string) {
			w.Header().Set("WWW-Authenticate", rs.Challenge(te))
			w.Header().Set("Cache-Control", "no-store")
			closeAfterAnswer(w)
			http.Error(w, text, status)
		}
		// RFC 6750 section 2.3 (a token in the query) is what the MCP
		// specification forbids: such URLs end up in proxy and access
		// logs. Refused whether or not a header token comes too.
		if r.URL.Query().Has("access_token") {
			logger.Info("refused a request with an access token in the URL", "client", clientKey(r.RemoteAddr).String())
			refuse(http.StatusBadRequest, &oauth.TokenError{Code: oauth.CodeInvalidRequest, Description: "access tokens in the URL are refused"},
				"Bad Request: an access token in the URL query is refused (it would be logged along the way); send it as Authorization: Bearer <token> and revoke the one you sent")
			return
		}
		got, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			refuse(http.StatusUnauthorized, nil, fmt.Sprintf("Unauthorized: send Authorization: Bearer <access token> with a token from %s for %s (how to get one: %s)",
				rs.Issuer(), rs.Resource(), rs.MetadataURL()))
			return
		}
		key := clientKey(r.RemoteAddr)
		if throttle != nil {
			if wait := throttle.retryAfter(key); wait > 0 {
				secs := int(math.Ceil(wait.Seconds()))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				w.Header().Set("Cache-Control", "no-store")
				closeAfterAnswer(w)
				http.Error(w, fmt.Sprintf("Too Many Requests: too many invalid access tokens from this address; retry in %d s with a valid token", secs), http.StatusTooManyRequests)
				return
			}
		}
		who, err := rs.Authenticate(r.Context(), got)
		var te *oauth.TokenError
		switch {
		case err == nil:
		case errors.As(err, &te) && te.Code == oauth.CodeInsufficientScope:
			logger.Info("refused an access token without the required scopes", "client", key.String(), "principal", who)
			refuse(http.StatusForbidden, te, "Forbidden: "+te.Description)
			return
		default:
			if te == nil {
				te = &oauth.TokenError{Code: oauth.CodeInvalidToken, Description: "the access token is not valid"}
			}
			if throttle != nil {
				throttle.failed(key)
			}
			logger.Info("refused an access token", "client", key.String(), "reason", te.Description)
			refuse(http.StatusUnauthorized, te, "Unauthorized: "+te.Description)
			return
		}
		r.Header.Del("Authorization")
		logger.Debug("access token accepted", "principal", who)
		next.ServeHTTP(w, r)
	})
}
