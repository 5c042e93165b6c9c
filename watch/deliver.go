package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"
)

// Sink delivers reports somewhere: stdout, a webhook, Slack, SNS.
type Sink interface {
	// Name is the sink's name in the state file and logs ("webhook").
	Name() string
	// Send delivers one report. Errors must not carry secrets (webhook
	// secrets, Slack webhook URLs): they are logged and kept in the state.
	Send(ctx context.Context, d *Delivery) error
}

// PermanentError is a failure retrying cannot fix soon (the receiver
// rejected the request: 400, 403, 404, an unknown SNS topic). The
// delivery is given up at once, kept and said.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfterError asks for the next attempt no sooner than After (a
// receiver's Retry-After).
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// DeliveryOptions shape retries.
type DeliveryOptions struct {
	// MaxAttempts fast attempts before a delivery counts as failed
	// (default 6: about a minute and a half with the default backoff).
	MaxAttempts int
	// Backoff before the second attempt, doubling up to MaxBackoff
	// (defaults 2 s and 1 min), with ±20 % jitter.
	Backoff, MaxBackoff time.Duration
	// SlowRetry is the interval at which failed deliveries are tried
	// again (default 15 min); they are also tried at every start.
	SlowRetry time.Duration
	// Timeout bounds one attempt (default 15 s).
	Timeout time.Duration
}

func (o DeliveryOptions) withDefaults() DeliveryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.SlowRetry <= 0 {
		o.SlowRetry = 15 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	return o
}

// backoff is the wait after the attempt-th failure.
func (o DeliveryOptions) backoff(attempt int) time.Duration {
	d := o.Backoff
	for i := 1; i < attempt && d < o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// dispatcher sends the outbox to the sinks, one goroutine per sink, so a
// slow or dead receiver holds up neither detection nor the other sinks.
type dispatcher struct {
	e     *Engine
	sinks map[string]Sink
	order []string
	opt   DeliveryOptions
	kicks map[string]chan struct{}
}

func newDispatcher(e *Engine, sinks []Sink, opt DeliveryOptions) *dispatcher {
	d := &dispatcher{e: e, sinks: map[string]Sink{}, opt: opt, kicks: map[string]chan struct{}{}}
	for _, s := range sinks {
		if _, dup := d.sinks[s.Name()]; dup {
			continue
		}
		d.sinks[s.Name()] = s
		d.order = append(d.order, s.Name())
		d.kicks[s.Name()] = make(chan struct{}, 1)
	}
	return d
}

// kick wakes every sink's loop.
func (d *dispatcher) kick() {
	for _, ch := range d.kicks {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// start runs the sink loops until ctx ends; the channel closes when all
// have stopped.
func (d *dispatcher) start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, name := range d.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next := d.deliverDue(ctx, name)
				wait := time.Hour
				if !next.IsZero() {
					wait = max(next.Sub(d.e.cfg.Clock.Now()), 10*time.Millisecond)
				}
				select {
				case <-ctx.Done():
					return
				case <-d.kicks[name]:
				case <-d.e.cfg.Clock.After(wait):
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

// DeliverDue sends every due delivery to every sink now and returns when
// done (tests, and a last flush before exit).
func (e *Engine) DeliverDue(ctx context.Context) {
	for _, name := range e.disp.order {
		e.disp.deliverDue(ctx, name)
	}
}

// deliverDue sends the sink's due deliveries in order; it returns when the
// next one is due (zero if none is queued).
func (d *dispatcher) deliverDue(ctx context.Context, sink string) time.Time {
	for ctx.Err() == nil {
		e := d.e
		e.mu.Lock()
		now := e.cfg.Clock.Now()
		var pick *Delivery
		var next time.Time
		blocked := map[string]bool{} // incidents with an earlier report still queued here
		for _, dl := range e.st.Outbox {
			if dl.Sink != sink {
				continue
			}
			// An update waits for the earlier reports of its incident
			// (under its current id or one it had before).
			ids := append([]string{dl.Report.IncidentID}, dl.Report.PreviousIDs...)
			wait := false
			for _, id := range ids {
				wait = wait || blocked[id]
			}
			for _, id := range ids {
				blocked[id] = true
			}
			if wait {
				continue
			}
			if dl.NextAttemptAt.After(now) {
				if next.IsZero() || dl.NextAttemptAt.Before(next) {
					next = dl.NextAttemptAt
				}
				continue
			}
			pick = dl
			break
		}
		e.mu.Unlock()
		if pick == nil {
			return next
		}
		d.attempt(ctx, pick)
	}
	return time.Time{}
}

// attempt tries one delivery and files the outcome.
func (d *dispatcher) attempt(ctx context.Context, dl *Delivery) {
	e := d.e
	s := d.sinks[dl.Sink]
	actx, cancel := context.WithTimeout(ctx, d.opt.Timeout)
	e.mu.Lock()
	dl.Attempts++
	e.mu.Unlock()
	err := s.Send(actx, dl)
	cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Clock.Now()
	if err == nil {
		e.stats.Delivered++
		for i, x := range e.st.Outbox {
			if x == dl {
				e.st.Outbox = append(e.st.Outbox[:i], e.st.Outbox[i+1:]...)
				break
			}
		}
		if dl.Failed {
			e.log.Warn("watch: a report that could not be delivered earlier has now been delivered", "sink", dl.Sink, "incident", dl.Report.IncidentID, "event", dl.Report.Event, "attempts", dl.Attempts)
		}
		e.saveLocked()
		return
	}
	if ctx.Err() != nil {
		dl.Attempts-- // shutting down: not the receiver's fault
		return
	}
	e.stats.DeliveryErrs++
	dl.LastError = err.Error()
	var perm *PermanentError
	var ra *RetryAfterError
	wait := d.opt.backoff(dl.Attempts)
	if errors.As(err, &ra) && ra.After > wait {
		wait = ra.After
	}
	giveUp := dl.Attempts >= d.opt.MaxAttempts || errors.As(err, &perm)
	switch {
	case giveUp && !dl.Failed:
		dl.Failed, dl.FailedAt = true, now.UTC()
		dl.NextAttemptAt = now.Add(d.opt.SlowRetry).UTC()
		d.sayFailed(dl)
	case dl.Failed:
		dl.NextAttemptAt = now.Add(d.opt.SlowRetry).UTC()
		e.log.Debug("watch: delivery still failing", "sink", dl.Sink, "incident", dl.Report.IncidentID, "err", err)
	default:
		dl.NextAttemptAt = now.Add(wait).UTC()
		e.log.Warn("watch: delivery failed; retrying", "sink", dl.Sink, "incident", dl.Report.IncidentID, "event", dl.Report.Event,
			"attempt", dl.Attempts, "of", d.opt.MaxAttempts, "retry_in", wait.Round(time.Millisecond), "err", err)
	}
	e.saveLocked()
}

// sayFailed tells that a report could not be delivered: on the log, and as
// a JSON line on stdout when that is a sink too.
func (d *dispatcher) sayFailed(dl *Delivery) {
	e := d.e
	kept := "kept in memory"
	if e.cfg.StatePath != "" {
		kept = "kept in the state file " + e.cfg.StatePath
	}
	e.log.Error("watch: could not deliver a report; "+kept+" and retried every "+d.opt.SlowRetry.String()+" and at every start",
		"sink", dl.Sink, "incident", dl.Report.IncidentID, "event", dl.Report.Event, "attempts", dl.Attempts, "err", dl.LastError)
	if out, ok := d.sinks["stdout"].(*StdoutSink); ok && dl.Sink != "stdout" {
		out.notice(map[string]any{"type": "vpnlens.delivery_failed", "sink": dl.Sink, "delivery_id": dl.ID, "incident_id": dl.Report.IncidentID,
			"event": dl.Report.Event, "title": dl.Report.Title, "attempts": dl.Attempts, "error": dl.LastError, "kept": kept})
	}
}

// StdoutSink writes each report as one JSON line.
type StdoutSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewStdoutSink writes JSON lines to w.
func NewStdoutSink(w io.Writer) *StdoutSink { return &StdoutSink{w: w} }

// Name implements Sink.
func (s *StdoutSink) Name() string { return "stdout" }

// Send implements Sink.
func (s *StdoutSink) Send(ctx context.Context, d *Delivery) error {
	b, err := json.Marshal(d.Report)
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("encoding report: %w", err)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.w.Write(append(b, '\n'))
	return err
}

func (s *StdoutSink) notice(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(append(b, '\n'))
}
