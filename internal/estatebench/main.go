// Command estatebench measures the shipped vpnlens binary on a large logs
// folder, the way a user meets it: `vpnlens serve --logs-dir DIR` started
// as an MCP host starts it (stdio), timed to its initialize answer and to
// the answer of a first question on one connection-day, then the same
// question asked again; and the one-shot `vpnlens timeline` and `vpnlens
// diagnose` on that day. Each is run with an empty index cache (first
// start) and with the index the first start left (cached). Peak RSS is
// the binary's own (VmHWM of the server; the rusage of a one-shot).
//
//	go build -o /tmp/vpnlens . && go run ./internal/estatebench -bin /tmp/vpnlens -dir DIR
//
// scripts/estate-bench.sh generates the folder and runs it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the vpnlens binary to measure")
	dir := flag.String("dir", "", "the logs folder (--logs-dir)")
	cache := flag.String("cache", "", "the index cache folder (XDG_CACHE_HOME; default a new temporary folder, emptied before each first start)")
	flag.Parse()
	if *bin == "" || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: estatebench -bin VPNLENS -dir LOGS_DIR")
		os.Exit(2)
	}
	if err := measure(*bin, *dir, *cache); err != nil {
		fmt.Fprintln(os.Stderr, "estatebench:", err)
		os.Exit(1)
	}
}

func measure(bin, dir, cache string) error {
	vpn, bytes, files, err := firstConnection(dir)
	if err != nil {
		return err
	}
	if cache == "" {
		if cache, err = os.MkdirTemp("", "estatebench-cache-"); err != nil {
			return err
		}
		defer os.RemoveAll(cache)
	}
	fmt.Printf("folder   %s: %d files, %.2f GB; question: %s, its newest day (get_vpn_timeline start latest-1d)\n", dir, files, float64(bytes)/1e9, vpn)
	day := map[string]any{"vpn_connection_id": vpn, "start": "latest-1d"}
	for _, run := range []string{"first start", "index cached"} {
		if run == "first start" {
			if err := os.RemoveAll(filepath.Join(cache, "vpnlens")); err != nil {
				return err
			}
		}
		s, err := serve(bin, dir, cache, day)
		if err != nil {
			return fmt.Errorf("serve, %s: %w", run, err)
		}
		fmt.Printf("serve    %-12s initialize %6.2f s | first answer %6.2f s after start (%s records) | asked again %6.3f s | peak RSS %4d MiB\n",
			run, s.initialize.Seconds(), s.first.Seconds(), s.records, s.again.Seconds(), s.rssKiB>>10)
	}
	// The one-shot commands on that day, with and without the index.
	for _, run := range []string{"first start", "index cached"} {
		if run == "first start" {
			os.RemoveAll(filepath.Join(cache, "vpnlens"))
		}
		out, el, rss, err := oneShot(bin, cache, "timeline", "--logs-dir", dir, "--vpn", vpn, "--start", "latest-1d", "--json")
		if err != nil {
			return err
		}
		fmt.Printf("timeline %-12s %6.2f s | peak RSS %4d MiB (one-shot: the connection's files only)\n", run, el.Seconds(), rss>>10)
		var tl struct {
			Incidents []struct {
				Tunnel int    `json:"tunnel"`
				DownAt string `json:"down_at"`
			} `json:"incidents"`
		}
		json.Unmarshal(out, &tl)
		at, tunnel := "", 0
		for _, in := range tl.Incidents {
			if in.DownAt != "" {
				at, tunnel = in.DownAt, in.Tunnel
				break
			}
		}
		if at == "" {
			fmt.Printf("diagnose %-12s no drop in that day to diagnose\n", run)
			continue
		}
		if run == "first start" {
			os.RemoveAll(filepath.Join(cache, "vpnlens"))
		}
		_, el, rss, err = oneShot(bin, cache, "diagnose", "--logs-dir", dir, "--vpn", vpn, "--tunnel", strconv.Itoa(tunnel), "--at", at, "--json")
		if err != nil {
			return err
		}
		fmt.Printf("diagnose %-12s %6.2f s | peak RSS %4d MiB (tunnel %d at %s)\n", run, el.Seconds(), rss>>10, tunnel, at)
	}
	return nil
}

// firstConnection is the first connection named by the folder's files,
// with the folder's size and file count.
func firstConnection(dir string) (vpn string, bytes int64, files int, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", 0, 0, err
	}
	var names []string
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		bytes += info.Size()
		files++
		if strings.HasPrefix(e.Name(), "vpn-") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", 0, 0, errors.New("no file named for a VPN connection in " + dir)
	}
	sort.Strings(names)
	vpn, _, _ = strings.Cut(names[0], "_")
	return vpn, bytes, files, nil
}

type serveTimes struct {
	initialize, first, again time.Duration
	records                  string // as the summary says it
	rssKiB                   int64
}

// serve starts `vpnlens serve` over stdio, initializes it and asks args
// of get_vpn_timeline twice.
func serve(bin, dir, cache string, args map[string]any) (serveTimes, error) {
	var st serveTimes
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--logs-dir", dir)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	cmd.Stderr = io.Discard
	in, err := cmd.StdinPipe()
	if err != nil {
		return st, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return st, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return st, err
	}
	defer func() { in.Close(); cmd.Wait() }()
	out := bufio.NewReaderSize(outPipe, 1<<20)
	rpc := func(id int, method string, params any) (json.RawMessage, error) {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := in.Write(append(b, '\n')); err != nil {
			return nil, err
		}
		for {
			line, err := out.ReadBytes('\n')
			if err != nil {
				return nil, fmt.Errorf("reading the answer to %s: %w", method, err)
			}
			var msg struct {
				ID     *int            `json:"id"`
				Result json.RawMessage `json:"result"`
				Error  json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &msg) != nil || msg.ID == nil || *msg.ID != id {
				continue // a notification (progress, log)
			}
			if len(msg.Error) > 0 {
				return nil, fmt.Errorf("%s: %s", method, msg.Error)
			}
			return msg.Result, nil
		}
	}
	if _, err := rpc(1, "initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "estatebench", "version": "1"}}); err != nil {
		return st, err
	}
	st.initialize = time.Since(start)
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	in.Write(append(b, '\n'))
	call := map[string]any{"name": "get_vpn_timeline", "arguments": args}
	res, err := rpc(2, "tools/call", call)
	if err != nil {
		return st, err
	}
	st.first = time.Since(start)
	var r struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Summary string `json:"summary"`
		} `json:"structuredContent"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	json.Unmarshal(res, &r)
	if r.IsError {
		msg := ""
		if len(r.Content) > 0 {
			msg = r.Content[0].Text
		}
		return st, errors.New("get_vpn_timeline: " + msg)
	}
	st.records = r.StructuredContent.Summary
	if m := recordsRe.FindStringSubmatch(st.records); m != nil {
		st.records = m[1]
	}
	t := time.Now()
	if _, err := rpc(3, "tools/call", call); err != nil {
		return st, err
	}
	st.again = time.Since(t)
	st.rssKiB = vmHWM(cmd.Process.Pid)
	return st, nil
}

var recordsRe = regexp.MustCompile(`([0-9][0-9,]*) records`)

// vmHWM is a process's peak resident set, in KiB (Linux).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// oneShot runs a one-shot command: its output, wall time and peak RSS.
func oneShot(bin, cache string, args ...string) ([]byte, time.Duration, int64, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	el := time.Since(start)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("vpnlens %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	return out, el, rss, nil
}
