package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/tools"
)

// The README's tool table is generated from the tool definitions, so it can
// never drift from what clients see (github-mcp-server keeps its list the
// same way). UPDATE_README=true rewrites it.
func TestReadmeToolList(t *testing.T) {
	var b strings.Builder
	b.WriteString("<!-- tools:start -->\n| tool | what it answers | arguments |\n| --- | --- | --- |\n")
	for _, st := range tools.All(&investigate.Service{Limits: investigate.DefaultLimits}) {
		desc := st.Tool.Description
		if i := strings.Index(desc, ". "); i > 0 {
			desc = desc[:i+1]
		}
		var params []string
		for name := range st.Tool.InputSchema.Properties {
			params = append(params, name)
		}
		sort.Strings(params)
		req := map[string]bool{}
		for _, r := range st.Tool.InputSchema.Required {
			req[r] = true
		}
		for i, p := range params {
			if req[p] {
				params[i] = "`" + p + "` (required)"
			} else {
				params[i] = "`" + p + "`"
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", st.Tool.Name, strings.ReplaceAll(desc, "|", "\\|"), strings.Join(params, ", "))
	}
	b.WriteString("<!-- tools:end -->")
	want := b.String()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte("<!-- tools:start -->"))
	end := bytes.Index(readme, []byte("<!-- tools:end -->"))
	if start < 0 || end < start {
		t.Fatal("README.md lacks the <!-- tools:start --> / <!-- tools:end --> markers")
	}
	end += len("<!-- tools:end -->")
	if string(readme[start:end]) == want {
		return
	}
	if os.Getenv("UPDATE_README") == "true" {
		out := append(append(append([]byte{}, readme[:start]...), want...), readme[end:]...)
		if err := os.WriteFile("README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md tool table is out of date: run UPDATE_README=true go test -run TestReadmeToolList .\nwant:\n%s", want)
}

// readmeCommand is a command line the README shows, as words.
type readmeCommand struct {
	line   string
	args   []string // after "vpnlens" or "go run ."
	output []string // a "$ vpnlens …" line's output shown below it
}

// readmeCommands finds the vpnlens command lines in the README's code
// blocks (continued lines joined) and inline code.
func readmeCommands(t *testing.T, text string) []readmeCommand {
	t.Helper()
	var lines []string
	outputs := map[int][]string{}
	var inline strings.Builder
	inBlock, shBlock, cont := false, false, ""
	shown := -1 // the "$ " line whose output this block shows
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			inBlock, shBlock, shown = !inBlock, l == "```sh", -1
			continue
		}
		if !inBlock {
			inline.WriteString(l + "\n")
			continue
		}
		if !shBlock && !strings.HasPrefix(l, "$ ") {
			if shown >= 0 {
				outputs[shown] = append(outputs[shown], l)
			}
			continue // output, not a command
		}
		if strings.HasPrefix(l, "$ ") {
			shown = len(lines)
		}
		l = cont + l
		cont = ""
		if s := strings.TrimSpace(l); strings.HasSuffix(s, "\\") {
			cont = strings.TrimSuffix(s, "\\") + " "
			continue
		}
		lines = append(lines, l)
	}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(inline.String(), -1) {
		lines = append(lines, m[1])
	}
	var cmds []readmeCommand
	for i, l := range lines {
		words := shellWords(l)
		if len(words) > 0 && words[0] == "$" {
			words = words[1:]
		}
		for len(words) > 0 && regexp.MustCompile(`^[A-Z_]+=`).MatchString(words[0]) {
			words = words[1:] // VAR=value vpnlens …
		}
		switch {
		case len(words) > 1 && regexp.MustCompile(`^[A-Z]+$`).MatchString(words[1]):
			// vpnlens COMMAND --help: a placeholder
		case len(words) > 1 && words[0] == "vpnlens":
			cmds = append(cmds, readmeCommand{l, words[1:], outputs[i]})
		case len(words) > 3 && words[0] == "go" && words[1] == "run" && words[2] == ".":
			cmds = append(cmds, readmeCommand{l, words[3:], outputs[i]})
		}
	}
	return cmds
}

// shellWords splits a command line as sh would (quotes; a # starts a
// comment; a redirection or pipe ends the command), enough for the
// README's commands.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case (r == '#' && !inWord) || r == '>' || r == '|' || r == ';':
			if inWord {
				words = append(words, w.String())
			}
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// Every vpnlens command line in the README parses: the command and all its
// flags exist (each is run with --help, so nothing is served or watched).
// The quick start's commands run for real, and the diagnosis the README
// shows is the one the first of them prints.
func TestReadmeCommandLines(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	cmds := readmeCommands(t, text)
	if len(cmds) < 15 {
		t.Fatalf("found only %d command lines in README.md", len(cmds))
	}
	for _, c := range cmds {
		args := append([]string{c.args[0], "--help"}, c.args[1:]...)
		if code, _, errOut := runCLI(t, args...); code != exitOK {
			t.Errorf("README command %q does not parse (exit %d): %s", c.line, code, errOut)
		}
		if len(c.output) == 0 {
			continue
		}
		// A "$ vpnlens …" example prints what the README shows below it
		// (but for the lines cut with "...").
		_, out, errOut := runCLI(t, c.args...)
		got := "\n" + out + errOut
		for _, l := range c.output {
			if !strings.Contains(l, "...") && !strings.Contains(got, "\n"+l+"\n") {
				t.Errorf("README shows %q after %q; it prints:\n%s", l, c.line, got)
			}
		}
	}

	start := strings.Index(text, "## Quick start")
	end := strings.Index(text[start+1:], "\n## ") + start + 1
	quick := text[start:end]
	ran := 0
	var diagnosis string
	for _, c := range readmeCommands(t, quick) {
		code, out, errOut := runCLI(t, c.args...)
		if code != exitOK || out == "" {
			t.Errorf("quick start %q: exit %d, stderr %s", c.line, code, errOut)
		}
		if ran == 0 {
			diagnosis = out
		}
		ran++
	}
	if ran < 3 {
		t.Fatalf("found %d runnable commands in the quick start, want the diagnose, timeline and classify ones", ran)
	}
	// The block after "The first command answers" is its output, with
	// "..." where lines are cut.
	after := quick[strings.Index(quick, "The first command answers"):]
	block := after[strings.Index(after, "```\n")+4:]
	block = block[:strings.Index(block, "```")]
	got := "\n" + diagnosis
	for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
		if strings.Contains(l, "...") {
			continue
		}
		if !strings.Contains(got, "\n"+l+"\n") {
			t.Errorf("the README's diagnosis shows %q; the command prints:\n%s", l, diagnosis)
		}
	}
}
