package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SlackSink posts reports to a Slack incoming webhook as Block Kit
// messages. The webhook URL is a secret: it is never logged.
type SlackSink struct {
	url    string
	client *http.Client
}

// NewSlackSink posts to an incoming-webhook URL.
func NewSlackSink(rawURL string, client *http.Client) (*SlackSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("Slack webhook URL %s: want https://hooks.slack.com/services/…", redactURL(rawURL))
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &SlackSink{url: rawURL, client: client}, nil
}

// Name implements Sink.
func (s *SlackSink) Name() string { return "slack" }

// Send implements Sink.
func (s *SlackSink) Send(ctx context.Context, d *Delivery) error {
	body, err := json.Marshal(SlackMessage(d.Report))
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("encoding the Slack message: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("Slack webhook %s: bad request", redactURL(s.url))}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return postResult(s.client.Do(req))(s.url)
}

// Block Kit limits (api.slack.com/reference/block-kit/blocks).
const (
	slackMaxBlocks      = 50
	slackMaxHeader      = 150
	slackMaxSectionText = 3000
	slackMaxFieldText   = 2000
	slackMaxFields      = 10
	slackMaxContext     = 10
	slackMaxFallback    = 3000
)

// SlackMessage builds the incoming-webhook payload: fallback text for
// notifications, and blocks: a header, the facts as fields, the root cause
// with its evidence, impact, actions and how to continue.
func SlackMessage(r *Report) map[string]any {
	icon := map[string]string{"critical": ":red_circle:", "error": ":large_orange_circle:", "warning": ":large_yellow_circle:", "notice": ":large_blue_circle:"}[r.Severity]
	if r.Event == EventRecovered || r.Event == EventResolved {
		icon = ":large_green_circle:"
	}
	var blocks []map[string]any
	blocks = append(blocks, map[string]any{"type": "header", "text": plain(clip(r.Title, slackMaxHeader))})
	conn := r.VPNConnectionID
	if r.ConnectionName != "" {
		conn += " (" + r.ConnectionName + ")"
	}
	fields := []string{
		fmt.Sprintf("*Severity*\n%s %s", icon, r.Severity),
		fmt.Sprintf("*Event*\n%s (report %d)", r.Event, r.Sequence),
		fmt.Sprintf("*Connection*\n%s", slackEscape(conn)),
		fmt.Sprintf("*Tunnel*\n%d (%s)", r.TunnelNumber, slackEscape(r.Tunnel)),
		fmt.Sprintf("*Started*\n%s", slackEscape(pickTime(r.When.Start))),
	}
	if r.When.DownAt != nil {
		fields = append(fields, fmt.Sprintf("*Down since*\n%s", slackEscape(pickTime(*r.When.DownAt))))
	}
	if r.When.RecoveredAt != nil {
		fields = append(fields, fmt.Sprintf("*Recovered*\n%s (after %s)", slackEscape(pickTime(*r.When.RecoveredAt)), time.Duration(r.When.TimeToRecoverSeconds)*time.Second))
	}
	fields = append(fields, fmt.Sprintf("*Root cause*\n`%s` (confidence %.2f)", slackEscape(r.RootCause.Category), r.RootCause.Confidence))
	if r.Impact.Failover != "" {
		fields = append(fields, fmt.Sprintf("*Failover*\n%s", slackEscape(r.Impact.Failover)))
	}
	var fs []map[string]any
	for _, f := range fields[:min(len(fields), slackMaxFields)] {
		fs = append(fs, mrkdwn(clip(f, slackMaxFieldText)))
	}
	blocks = append(blocks, map[string]any{"type": "section", "fields": fs})

	var why strings.Builder
	if r.Summary != "" {
		why.WriteString(slackEscape(r.Summary) + "\n")
	}
	if r.PreviousRootCause != nil {
		fmt.Fprintf(&why, "_An earlier report said `%s`; more records changed the picture._\n", slackEscape(r.PreviousRootCause.Category))
	}
	if r.RootCause.Meaning != "" {
		fmt.Fprintf(&why, "*%s:* %s\n", slackEscape(r.RootCause.Category), slackEscape(r.RootCause.Meaning))
	}
	if r.RootCause.Explanation != "" {
		why.WriteString(slackEscape(r.RootCause.Explanation) + "\n")
	}
	if s := r.StaysDownBecause; s != nil {
		fmt.Fprintf(&why, "*Stays down because* `%s` (%d times from %s)\n", slackEscape(s.Category), s.Count, slackEscape(s.At))
	}
	if why.Len() > 0 {
		blocks = append(blocks, section(why.String()))
	}
	if len(r.RootCause.Evidence) > 0 {
		var ev strings.Builder
		ev.WriteString("*Evidence* (log records, quoted)\n```")
		for _, e := range r.RootCause.Evidence {
			fmt.Fprintf(&ev, "%s %s %s\n", e.At, e.Stream, codeSafe(oneLine(e.Raw, 400)))
		}
		text := clip(ev.String(), slackMaxSectionText-3) + "```"
		blocks = append(blocks, section(text))
	}
	var im strings.Builder
	im.WriteString("*Impact* ")
	if r.Impact.Down {
		fmt.Fprintf(&im, "tunnel down %s", time.Duration(r.Impact.DowntimeSeconds)*time.Second)
		if !r.Impact.Recovered {
			im.WriteString(" so far")
		}
		fmt.Fprintf(&im, ", %d route(s) withdrawn", r.Impact.RoutesWithdrawn)
	} else {
		im.WriteString("BGP session stayed up")
	}
	if r.Impact.RoutesDenied > 0 {
		fmt.Fprintf(&im, ", %d route(s) denied", r.Impact.RoutesDenied)
	}
	for _, o := range r.OtherTunnels {
		fmt.Fprintf(&im, "\nOther tunnel %d (%s): %s", o.TunnelNumber, slackEscape(o.Tunnel), slackEscape(o.State))
	}
	if r.SharedCause != "" {
		im.WriteString("\n" + slackEscape(r.SharedCause))
	}
	blocks = append(blocks, section(im.String()))
	if len(r.Actions) > 0 {
		var a strings.Builder
		a.WriteString("*Recommended actions*\n")
		for _, x := range r.Actions[:min(len(r.Actions), 8)] {
			a.WriteString("• " + slackEscape(x) + "\n")
		}
		blocks = append(blocks, section(a.String()))
	}
	blocks = append(blocks, map[string]any{"type": "divider"})
	args, _ := json.Marshal(r.Continue.Arguments)
	ctxEls := []map[string]any{
		mrkdwn(clip(fmt.Sprintf("Continue in your assistant: `%s %s` · resource `%s`", r.Continue.Tool, slackEscape(string(args)), slackEscape(r.Continue.Resource)), slackMaxFieldText)),
		mrkdwn(clip(fmt.Sprintf("Terminal: `%s` · incident `%s`", slackEscape(r.Continue.CLI), slackEscape(r.IncidentID)), slackMaxFieldText)),
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": ctxEls[:min(len(ctxEls), slackMaxContext)]})
	if len(blocks) > slackMaxBlocks {
		blocks = blocks[:slackMaxBlocks]
	}
	return map[string]any{"text": clip(slackEscape(r.Title), slackMaxFallback), "blocks": blocks}
}

func plain(s string) map[string]any {
	return map[string]any{"type": "plain_text", "text": s, "emoji": true}
}

func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

func section(s string) map[string]any {
	return map[string]any{"type": "section", "text": mrkdwn(clip(s, slackMaxSectionText))}
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to, so log text cannot ping channels (<!channel>) or forge links.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// codeSafe escapes log text for a code block: backticks would close it.
func codeSafe(s string) string { return strings.ReplaceAll(slackEscape(s), "`", "ˋ") }

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
