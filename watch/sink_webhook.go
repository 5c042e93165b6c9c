package watch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Webhook headers. The signature is HMAC-SHA256 over the exact body
// bytes, hex-encoded after "sha256=". The body carries sent_at, the same
// instant as the timestamp header, so the timestamp is signed too: a
// receiver checks the signature, that both agree, and that they are
// recent (a replayed request is old).
const (
	HeaderSignature = "X-Vpnlens-Signature"
	HeaderTimestamp = "X-Vpnlens-Timestamp"
	HeaderDelivery  = "X-Vpnlens-Delivery"
	HeaderEvent     = "X-Vpnlens-Event"
)

// WebhookPayload is the body of a webhook POST.
type WebhookPayload struct {
	DeliveryID string  `json:"delivery_id"` // the same on every retry: dedupe on it
	SentAt     string  `json:"sent_at"`     // RFC 3339; equals the timestamp header
	Attempt    int     `json:"attempt"`
	Report     *Report `json:"report"`
}

// Sign computes the signature header value for a body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signature header value in constant time.
func VerifySignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// WebhookSink POSTs each report as JSON, signed.
type WebhookSink struct {
	url    string
	secret []byte
	client *http.Client
	now    func() time.Time
	agent  string
}

// NewWebhookSink posts to rawURL, signing with secret (which it never
// logs or puts in an error).
func NewWebhookSink(rawURL string, secret []byte, client *http.Client, now func() time.Time, version string) (*WebhookSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q: want http(s)://host/path", redactURL(rawURL))
	}
	if len(secret) == 0 {
		return nil, errors.New("webhook: no signing secret (--webhook-secret-file or VPNLENS_WEBHOOK_SECRET)")
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &WebhookSink{url: rawURL, secret: secret, client: client, now: now, agent: "vpnlens/" + version}, nil
}

// Name implements Sink.
func (s *WebhookSink) Name() string { return "webhook" }

// Send implements Sink.
func (s *WebhookSink) Send(ctx context.Context, d *Delivery) error {
	now := s.now().UTC().Truncate(time.Second)
	body, err := json.Marshal(WebhookPayload{DeliveryID: d.ID, SentAt: now.Format(time.RFC3339), Attempt: d.Attempts, Report: d.Report})
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("encoding the webhook body: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("webhook %s: %s", redactURL(s.url), "bad request")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.agent)
	req.Header.Set(HeaderSignature, Sign(s.secret, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderEvent, d.Report.Event)
	return postResult(s.client.Do(req))(s.url)
}

// postResult classifies an HTTP answer: 2xx delivered; 408, 425, 429 and
// 5xx worth a retry (Retry-After honoured); other 4xx permanent.
func postResult(resp *http.Response, err error) func(string) error {
	return func(target string) error {
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // its text would repeat the URL, which may hold a secret
			}
			return fmt.Errorf("POST %s: %v", redactURL(target), err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode/100 == 2 {
			return nil
		}
		e := fmt.Errorf("POST %s: HTTP %d %s", redactURL(target), resp.StatusCode, oneLine(string(msg), 200))
		switch {
		case resp.StatusCode == 408 || resp.StatusCode == 425 || resp.StatusCode == 429 || resp.StatusCode >= 500:
			if secs, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && secs > 0 {
				return &RetryAfterError{Err: e, After: time.Duration(min(secs, 3600)) * time.Second}
			}
			return e
		default:
			return &PermanentError{Err: e}
		}
	}
}

// redactURL keeps scheme and host: paths and queries of webhook URLs are
// often secrets (Slack's are).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(webhook URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// LoadSecret reads a secret from a file (trailing newline removed) or, if
// no file is given, from the environment variable env. It warns through
// warn when the file can be read by others.
func LoadSecret(file, env string, warn func(string)) ([]byte, string, error) {
	if file != "" {
		st, err := os.Stat(file)
		if err != nil {
			return nil, "", fmt.Errorf("secret file: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 && warn != nil {
			warn(fmt.Sprintf("secret file %s can be read by other users (mode %v): chmod 600 it", file, st.Mode().Perm()))
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("secret file: %w", err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return nil, "", fmt.Errorf("secret file %s is empty", file)
		}
		return []byte(s), "file " + file, nil
	}
	if v := os.Getenv(env); v != "" {
		return []byte(v), "environment variable " + env, nil
	}
	return nil, "", nil
}
