package fakeaws

import (
	"fmt"
	"strings"
)

// filterPattern is the subset of CloudWatch Logs filter pattern syntax for
// unstructured text that vpnlens uses: terms separated by spaces, a term
// quoted when it holds spaces or punctuation, "?term" marking an OR term.
// Plain terms must all appear; if any ?terms are given one of them must
// appear. Matching is case-sensitive, as in CloudWatch.
type filterPattern struct {
	all, any []string
}

func parseFilterPattern(p string) (filterPattern, error) {
	var fp filterPattern
	p = strings.TrimSpace(p)
	if p == "" {
		return fp, nil
	}
	if strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") || strings.HasPrefix(p, "%") {
		return fp, fmt.Errorf("fakeaws supports only text term patterns, not %q", p)
	}
	for i := 0; i < len(p); {
		for i < len(p) && p[i] == ' ' {
			i++
		}
		if i >= len(p) {
			break
		}
		or := false
		if p[i] == '?' {
			or = true
			i++
		}
		var term string
		if i < len(p) && p[i] == '"' {
			j := strings.IndexByte(p[i+1:], '"')
			if j < 0 {
				return fp, fmt.Errorf("unterminated quote in %q", p)
			}
			term = p[i+1 : i+1+j]
			i += j + 2
		} else {
			j := i
			for j < len(p) && p[j] != ' ' {
				j++
			}
			term = p[i:j]
			i = j
		}
		if term == "" {
			return fp, fmt.Errorf("empty term in %q", p)
		}
		if or {
			fp.any = append(fp.any, term)
		} else {
			fp.all = append(fp.all, term)
		}
	}
	return fp, nil
}

func (fp filterPattern) match(msg string) bool {
	for _, t := range fp.all {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	if len(fp.any) == 0 {
		return true
	}
	for _, t := range fp.any {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}
