package resources

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/watch"
)

// IncidentsURI lists open and recent incidents; clients may subscribe.
const IncidentsURI = "vpn://incidents"

// Serve-mode watch settings (variables so tests can shorten them).
var (
	incidentsInterval = watch.DefaultInterval
	incidentsSettle   = watch.DefaultSettle
	// incidentsLookback is how far back the list reaches: "recent" means
	// the last day of logs.
	incidentsLookback = 24 * time.Hour
)

// incidents serves vpn://incidents from a watch engine on the server's own
// source. Nothing runs in the background until a client subscribes: then
// the engine polls every interval and each change of the list is sent to
// the subscribers as notifications/resources/updated, each new report
// (an incident opened, recovered, escalated, its root cause changed) to
// every session as a warning-level log message with its one-line title.
// When the last subscriber leaves, polling stops. A read without a
// subscription polls once (if the last poll is older than half an
// interval) and answers.
type incidents struct {
	s   *server.MCPServer
	svc *investigate.Service
	log *slog.Logger

	mu       sync.Mutex
	engine   *watch.Engine
	lastStep time.Time
	digest   [32]byte
	subs     map[server.ClientSession]any // subscribed session -> subscription id (subscriptions/listen) or nil
	sessions map[string]server.ClientSession
	cancel   context.CancelFunc
	done     chan struct{}
}

func registerIncidents(s *server.MCPServer, svc *investigate.Service) *incidents {
	r := &incidents{s: s, svc: svc, log: svc.Logger, subs: map[server.ClientSession]any{}, sessions: map[string]server.ClientSession{}}
	if r.log == nil {
		r.log = slog.Default()
	}
	s.AddResource(mcp.NewResource(IncidentsURI, "VPN incidents: open and recent",
		mcp.WithResourceDescription("Incidents under way and those of the last 24 hours of logs, as vpnlens watch sees them: status, severity, root cause, one-line title, and the diagnose_tunnel_drop arguments to continue. Subscribe to be told when an incident opens, recovers or its root cause changes."),
		mcp.WithMIMEType("application/json")), r.read)
	h := s.GetHooks()
	if h == nil {
		return r // a server built without hooks: reads work, subscriptions are not tracked
	}
	h.AddOnRegisterSession(func(ctx context.Context, cs server.ClientSession) {
		r.mu.Lock()
		r.sessions[cs.SessionID()] = cs
		r.mu.Unlock()
	})
	h.AddOnUnregisterSession(func(ctx context.Context, cs server.ClientSession) {
		r.mu.Lock()
		delete(r.sessions, cs.SessionID())
		r.mu.Unlock()
		r.unsubscribe(cs)
	})
	h.AddAfterSubscribe(func(ctx context.Context, id any, req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
		if req.Params.URI == IncidentsURI {
			r.subscribe(server.ClientSessionFromContext(ctx), nil)
		}
	})
	h.AddAfterUnsubscribe(func(ctx context.Context, id any, req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
		if req.Params.URI == IncidentsURI {
			r.unsubscribe(server.ClientSessionFromContext(ctx))
		}
	})
	// Protocol 2026-07-28 replaces resources/subscribe with a
	// subscriptions/listen stream that stays open while subscribed.
	h.AddBeforeSubscriptionsListen(func(ctx context.Context, id any, req *mcp.SubscriptionsListenRequest) {
		for _, u := range req.Params.Notifications.ResourceSubscriptions {
			if u == IncidentsURI {
				r.subscribe(server.ClientSessionFromContext(ctx), id)
			}
		}
	})
	h.AddAfterSubscriptionsListen(func(ctx context.Context, id any, req *mcp.SubscriptionsListenRequest, _ *mcp.SubscriptionsListenResult) {
		r.unsubscribe(server.ClientSessionFromContext(ctx))
	})
	return r
}

// known returns the incidents the watch engine lists (open and recent),
// once it has polled; false before, or when its last poll failed and it
// lists nothing. It reads nothing itself.
func (r *incidents) known() ([]watch.IncidentSummary, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	e, polled := r.engine, !r.lastStep.IsZero()
	r.mu.Unlock()
	if e == nil || !polled {
		return nil, false
	}
	v := e.Snapshot()
	all := append(append([]watch.IncidentSummary(nil), v.Open...), v.Recent...)
	if len(all) == 0 && v.LastError != "" {
		return nil, false
	}
	return all, true
}

// engineLocked builds the watch engine on first use.
func (r *incidents) engineLocked() (*watch.Engine, error) {
	if r.engine != nil {
		return r.engine, nil
	}
	feed, err := source.FeedFor(context.Background(), "serve", r.svc.Inventory, r.svc.Logs, r.log)
	if err != nil {
		return nil, err
	}
	e, err := watch.New(watch.Config{
		Feed:     feed,
		Interval: incidentsInterval, Settle: incidentsSettle, Lookback: incidentsLookback, Logger: r.log,
		OnReport: r.onReport, AWSCauses: r.svc.AWSCauses(),
	})
	if err != nil {
		return nil, err
	}
	r.engine = e
	return e, nil
}

func (r *incidents) read(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	r.mu.Lock()
	e, err := r.engineLocked()
	stale := time.Since(r.lastStep) > incidentsInterval/2
	running := r.cancel != nil
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !running && stale {
		r.step(ctx)
	}
	return jsonContents(req.Params.URI, e.Snapshot())
}

// step polls once and tells subscribers if the list changed.
func (r *incidents) step(ctx context.Context) {
	r.mu.Lock()
	e, err := r.engineLocked()
	r.mu.Unlock()
	if err != nil {
		return
	}
	if err := e.Step(ctx); err != nil && ctx.Err() == nil {
		r.log.Warn("vpn://incidents: poll failed", "err", err)
	}
	v := e.Snapshot()
	v.GeneratedAt, v.Polls = "", 0
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	r.mu.Lock()
	r.lastStep = time.Now()
	changed := sum != r.digest && r.digest != [32]byte{}
	r.digest = sum
	r.mu.Unlock()
	if changed {
		r.notifyUpdated()
	}
}

func (r *incidents) subscribers() map[server.ClientSession]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[server.ClientSession]any, len(r.subs))
	for k, v := range r.subs {
		out[k] = v
	}
	return out
}

// notifyUpdated sends notifications/resources/updated to each subscriber.
func (r *incidents) notifyUpdated() {
	for cs, listenID := range r.subscribers() {
		n := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION, Notification: mcp.Notification{
			Method: mcp.MethodNotificationResourceUpdated,
			Params: mcp.NotificationParams{AdditionalFields: map[string]any{"uri": IncidentsURI}},
		}}
		if listenID != nil {
			n.Params.Meta = map[string]any{mcp.MetaKeySubscriptionID: listenID}
		}
		select {
		case cs.NotificationChannel() <- n:
		default:
			r.log.Warn("vpn://incidents: a subscriber's notification queue is full; update dropped", "session", cs.SessionID())
		}
	}
}

// onReport tells every session, at warning level, what the report says in
// one line (sessions whose log level is above warning are skipped by the
// server).
func (r *incidents) onReport(rep *watch.Report) {
	r.mu.Lock()
	ids := make([]string, 0, len(r.sessions))
	for id := range r.sessions {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	data := map[string]any{"message": rep.Title, "incident_id": rep.IncidentID, "event": rep.Event, "severity": rep.Severity,
		"resource": investigate.IncidentURI(rep.IncidentID)}
	for _, id := range ids {
		r.s.SendLogMessageToSpecificClient(id, mcp.NewLoggingMessageNotification(mcp.LoggingLevelWarning, "vpnlens.watch", data))
	}
}

// subscribe adds a session and starts polling if it is the first.
func (r *incidents) subscribe(cs server.ClientSession, listenID any) {
	if cs == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[cs] = listenID
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		for {
			r.step(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(incidentsInterval):
			}
		}
	}()
	r.log.Info("vpn://incidents: a client subscribed; watching for incidents", "interval", incidentsInterval)
}

// unsubscribe drops a session and stops polling after the last one.
func (r *incidents) unsubscribe(cs server.ClientSession) {
	if cs == nil {
		return
	}
	r.mu.Lock()
	delete(r.subs, cs)
	var cancel context.CancelFunc
	var done chan struct{}
	if len(r.subs) == 0 && r.cancel != nil {
		cancel, done = r.cancel, r.done
		r.cancel, r.done = nil, nil
	}
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
		r.log.Info("vpn://incidents: no subscriber left; watching stopped")
	}
}
