package tools

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/investigate"
)

// The tools check a call's arguments against their own declared input
// schema before the handler runs, instead of mcp-go's schema validation:
// its messages are Go struct dumps ("/tunnel: &{Got:number Want:[string]}")
// a model cannot act on, and JSON Schema lets unknown arguments through,
// so a misspelt "tunnel_number" silently diagnosed the wrong tunnel. Here
// every problem of a call is named in one isError answer that says how to
// fix it. The check is as lenient as the args getters (common.go): what a
// handler accepts (a number for a string, "90" for an integer, "true" for
// a boolean, "a,b" for a list) passes; the handlers still check values
// they understand better (times, zones, tunnels, category ids).

// maxCloseValues is how many near values an enum mistake lists.
const maxCloseValues = 8

// argSpec is a tool's input schema, read once when the tool is adapted.
type argSpec struct {
	tool     string
	names    []string // sorted
	required []string
	props    map[string]propSpec
	skip     bool // the schema could not be read: let the handler judge
}

// propSpec is one declared argument.
type propSpec struct {
	name, desc, typ string
	enum            []string
	min, max        *float64
	minLen, maxLen  int // -1: no limit
	pattern         *regexp.Regexp
	itemType        string
	itemEnum        []string
}

func newArgSpec(tool mcp.Tool) argSpec {
	spec := argSpec{tool: tool.Name, props: map[string]propSpec{}}
	schema := tool.InputSchema
	if tool.RawInputSchema != nil {
		schema = mcp.ToolInputSchema{}
		if err := json.Unmarshal(tool.RawInputSchema, &schema); err != nil {
			spec.skip = true
			return spec
		}
	}
	for name, raw := range schema.Properties {
		p := propSpec{name: name, minLen: -1, maxLen: -1}
		if m, ok := raw.(map[string]any); ok {
			p.typ, _ = m["type"].(string)
			p.desc, _ = m["description"].(string)
			p.enum = stringList(m["enum"])
			p.min = number(m["minimum"])
			p.max = number(m["maximum"])
			if n := number(m["minLength"]); n != nil {
				p.minLen = int(*n)
			}
			if n := number(m["maxLength"]); n != nil {
				p.maxLen = int(*n)
			}
			if pat, ok := m["pattern"].(string); ok {
				p.pattern, _ = regexp.Compile(pat)
			}
			if items, ok := m["items"].(map[string]any); ok {
				p.itemType, _ = items["type"].(string)
				p.itemEnum = stringList(items["enum"])
			}
		}
		spec.props[name] = p
		spec.names = append(spec.names, name)
	}
	sort.Strings(spec.names)
	spec.required = append(spec.required, schema.Required...)
	return spec
}

func stringList(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// number reads a JSON number of any Go type (schemas built in code hold
// ints and float64s; decoded JSON holds float64 or json.Number).
func number(v any) *float64 {
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case float32:
		f = float64(t)
	case int:
		f = float64(t)
	case int64:
		f = float64(t)
	case int32:
		f = float64(t)
	case uint64:
		f = float64(t)
	case json.Number:
		x, err := t.Float64()
		if err != nil {
			return nil
		}
		f = x
	default:
		return nil
	}
	return &f
}

// checked is what the schema check found in a call's arguments: every
// problem, and which arguments it refused (the handler reads those as
// absent, so it can still name the problems of the others).
type checked struct {
	args     map[string]any
	problems []string
	refused  map[string]bool
	fatal    bool // the arguments are not an object: nothing to read
	unknown  int
}

// check reads the arguments against the schema, naming every problem.
func (s argSpec) check(raw any) checked {
	c := checked{refused: map[string]bool{}}
	if s.skip {
		c.args, _ = raw.(map[string]any)
		return c
	}
	switch t := raw.(type) {
	case nil:
	case map[string]any:
		c.args = t
	default:
		c.fatal = true
		c.problems = append(c.problems, fmt.Sprintf("the arguments of %s must be a JSON object of named arguments (%s), got %s", s.tool, s.takes(), describeValue(raw)))
		return c
	}
	in := c.args
	unknown := make([]string, 0)
	for name := range in {
		if _, ok := s.props[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	c.unknown = len(unknown)
	// One unknown argument: one line saying what the tool takes. Several:
	// a line each with its likely meaning, and what the tool takes once.
	for _, name := range unknown {
		msg := fmt.Sprintf("unknown argument %q", cut(name, 60))
		if len(unknown) == 1 {
			msg += ": " + s.takesLine()
		}
		if guess := s.closestName(name); guess != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		c.problems = append(c.problems, msg)
	}
	for _, name := range s.required {
		if v, ok := in[name]; !ok || v == nil {
			msg := fmt.Sprintf("argument %q is required", name)
			if d := s.props[name].desc; d != "" {
				msg += ": " + d
			}
			c.problems = append(c.problems, msg)
			c.refused[name] = true
		}
	}
	for _, name := range s.names {
		v, ok := in[name]
		if !ok || v == nil { // absent and null both mean "use the default", as in the getters
			continue
		}
		if p := s.props[name].check(v); len(p) > 0 {
			c.problems = append(c.problems, p...)
			c.refused[name] = true
		}
	}
	return c
}

// takesLine says what the tool takes, for messages about unknown names.
func (s argSpec) takesLine() string {
	if len(s.names) == 0 {
		return s.tool + " takes no arguments"
	}
	return fmt.Sprintf("%s takes %s", s.tool, s.takes())
}

// problemsError is one UserError naming every problem of a call: those the
// schema check found and those the handler found reading the rest.
func (s argSpec) problemsError(problems []string, unknown int) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return &investigate.UserError{Msg: problems[0]}
	}
	msg := fmt.Sprintf("%d problems with the arguments of %s:\n- %s", len(problems), s.tool, strings.Join(problems, "\n- "))
	if unknown > 1 {
		msg += "\n" + s.takesLine()
	}
	return &investigate.UserError{Msg: msg}
}

// takes lists the tool's arguments, required ones marked.
func (s argSpec) takes() string {
	req := map[string]bool{}
	for _, r := range s.required {
		req[r] = true
	}
	parts := make([]string, 0, len(s.names))
	for _, n := range s.names {
		if req[n] {
			n += " (required)"
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, ", ")
}

// check returns the problems of one present, non-null argument value.
func (p propSpec) check(v any) []string {
	switch p.typ {
	case "string":
		s, ok := v.(string)
		if !ok {
			n := number(v)
			if n == nil {
				return []string{p.wrongType(v)}
			}
			s = strconv.FormatFloat(*n, 'f', -1, 64)
		}
		var out []string
		if len(p.enum) > 0 {
			if bad := p.notInEnum(s, p.enum); bad != "" {
				out = append(out, bad)
			}
		}
		if n := utf8.RuneCountInString(s); p.minLen > 0 && n < p.minLen {
			if n == 0 {
				out = append(out, fmt.Sprintf("argument %q must not be empty: %s", p.name, p.desc))
			} else {
				out = append(out, fmt.Sprintf("argument %q must be at least %d characters long, got %d", p.name, p.minLen, n))
			}
		} else if p.maxLen >= 0 && n > p.maxLen {
			out = append(out, fmt.Sprintf("argument %q may be at most %d characters long, got %d: pass less text", p.name, p.maxLen, n))
		}
		if p.pattern != nil && s != "" && !p.pattern.MatchString(s) {
			out = append(out, fmt.Sprintf("argument %q: %q does not have the expected form; %s", p.name, cut(s, 60), p.desc))
		}
		return out
	case "integer", "number":
		var f float64
		if n := number(v); n != nil {
			f = *n
		} else if s, ok := v.(string); ok {
			// The integer getter reads "90" (strconv.Atoi) but not "90.0".
			var err error
			if p.typ == "integer" {
				var i int
				i, err = strconv.Atoi(strings.TrimSpace(s))
				f = float64(i)
			} else {
				f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			}
			if err != nil {
				return []string{p.wrongType(v)}
			}
		} else {
			return []string{p.wrongType(v)}
		}
		if p.typ == "integer" && f != math.Trunc(f) {
			return []string{p.wrongType(v)}
		}
		if (p.min != nil && f < *p.min) || (p.max != nil && f > *p.max) {
			return []string{fmt.Sprintf("argument %q must be %s, got %v", p.name, p.rangeText(), f)}
		}
		if len(p.enum) > 0 {
			if bad := p.notInEnum(strconv.FormatFloat(f, 'f', -1, 64), p.enum); bad != "" {
				return []string{bad}
			}
		}
		return nil
	case "boolean":
		switch t := v.(type) {
		case bool:
			return nil
		case string:
			if _, err := strconv.ParseBool(strings.TrimSpace(t)); err == nil {
				return nil
			}
		}
		return []string{p.wrongType(v)}
	case "array":
		var items []string
		switch t := v.(type) {
		case []string:
			items = t
		case []any:
			if p.itemType != "string" {
				return nil // lists of other things: the handler judges
			}
			for i, x := range t {
				s, ok := x.(string)
				if !ok {
					return []string{fmt.Sprintf("argument %q must be %s, but item %d is %s", p.name, p.typeText(), i+1, describeValue(x))}
				}
				items = append(items, s)
			}
		case string:
			// The list getter reads "a, b" as ["a", "b"] and "" as no list.
			if t == "" {
				return nil
			}
			items = strings.Split(t, ",")
		default:
			return []string{p.wrongType(v)}
		}
		if len(p.itemEnum) == 0 {
			return nil
		}
		var out []string
		for _, it := range items {
			if bad := p.notInEnum(it, p.itemEnum); bad != "" {
				out = append(out, bad)
			}
		}
		return out
	}
	return nil // object or untyped: the handler judges
}

// wrongType says what the argument must be and what it got.
func (p propSpec) wrongType(v any) string {
	return fmt.Sprintf("argument %q must be %s, got %s", p.name, p.typeText(), describeValue(v))
}

var (
	quotedExample = regexp.MustCompile(`"([^"]{1,40})"`)
	egExample     = regexp.MustCompile(`e\.g\. ([^\s,;()"]+[^\s,;()".])`)
	listExample   = regexp.MustCompile(`\[[^\]]{1,80}\]`)
)

// typeText describes the expected value with an example taken from the
// schema (an enum value) or the description.
func (p propSpec) typeText() string {
	switch p.typ {
	case "string":
		ex := ""
		if len(p.enum) > 0 {
			ex = p.enum[0]
		} else if m := quotedExample.FindStringSubmatch(p.desc); m != nil {
			ex = m[1]
		} else if m := egExample.FindStringSubmatch(p.desc); m != nil {
			ex = m[1]
		}
		if ex != "" {
			return fmt.Sprintf("a string such as %q", ex)
		}
		return "a string"
	case "integer":
		if r := p.rangeText(); r != "" {
			return "a whole number " + r
		}
		return "a whole number"
	case "number":
		if r := p.rangeText(); r != "" {
			return "a number " + r
		}
		return "a number"
	case "boolean":
		return "true or false"
	case "array":
		if m := listExample.FindString(p.desc); m != "" {
			return "a list of strings such as " + m
		}
		if len(p.itemEnum) > 0 {
			return fmt.Sprintf("a list of strings such as [%q]", p.itemEnum[0])
		}
		return "a list of strings"
	}
	return "a " + p.typ
}

func (p propSpec) rangeText() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case p.min != nil && p.max != nil:
		return fmt.Sprintf("between %s and %s", f(*p.min), f(*p.max))
	case p.min != nil:
		return "of at least " + f(*p.min)
	case p.max != nil:
		return "of at most " + f(*p.max)
	}
	return ""
}

// notInEnum returns the problem of a value outside the declared values,
// or "" when it is one of them. Matching ignores case and surrounding
// space, as the handlers do (stream "IKE"); a handler that is stricter
// still says so itself.
func (p propSpec) notInEnum(value string, enum []string) string {
	v := strings.TrimSpace(value)
	for _, e := range enum {
		if strings.EqualFold(v, e) {
			return ""
		}
	}
	head := fmt.Sprintf("%q is not one of the values of %q", cut(v, 60), p.name)
	if len(enum) <= maxCloseValues {
		return fmt.Sprintf("%s: use one of %s", head, strings.Join(enum, ", "))
	}
	where := "the list is in the tool's input schema (the enum of " + strconv.Quote(p.name) + ")"
	if isCategoryList(enum) {
		where = "the list is in the tool's input schema and in the vpn://catalog resource"
	}
	near, prefix := closeValues(v, enum)
	if len(near) == 0 {
		return fmt.Sprintf("%s; %s", head, where)
	}
	if prefix {
		head += " (a prefix is not accepted: list whole values)"
	}
	shown := near
	more := ""
	if len(shown) > maxCloseValues {
		shown = shown[:maxCloseValues]
		more = fmt.Sprintf(" and %d more; %s", len(near)-maxCloseValues, where)
	}
	return fmt.Sprintf("%s; close ones: %s%s", head, strings.Join(shown, ", "), more)
}

// isCategoryList reports an enum of category ids (fetch_vpn_logs'
// categories), whose meanings vpn://catalog explains.
func isCategoryList(enum []string) bool {
	for _, e := range enum {
		if _, ok := catalog.Lookup(catalog.Category(e)); !ok {
			return false
		}
	}
	return len(enum) > 0
}

// closeValues are the enum values near v: those it is a prefix of (a
// family like "bgp.cease."), then those containing it, then near misspellings.
// prefix says v was the start of some value.
func closeValues(v string, enum []string) (near []string, prefix bool) {
	q := strings.ToLower(strings.TrimRight(strings.TrimSpace(v), "*"))
	if q == "" {
		return nil, false
	}
	seen := map[string]bool{}
	add := func(e string) {
		if !seen[e] {
			seen[e] = true
			near = append(near, e)
		}
	}
	for _, e := range enum {
		if strings.HasPrefix(strings.ToLower(e), q) {
			add(e)
			prefix = true
		}
	}
	if len(q) >= 3 {
		for _, e := range enum {
			if strings.Contains(strings.ToLower(e), q) {
				add(e)
			}
		}
	}
	type scored struct {
		e string
		d int
	}
	var typos []scored
	for _, e := range enum {
		if seen[e] {
			continue
		}
		if d := editDistance(q, strings.ToLower(e)); d <= maxTypos(q, e) {
			typos = append(typos, scored{e, d})
		}
	}
	sort.SliceStable(typos, func(i, j int) bool { return typos[i].d < typos[j].d })
	for _, t := range typos {
		add(t.e)
	}
	return near, prefix
}

func maxTypos(a, b string) int {
	n := max(len(a), len(b)) / 4
	return max(n, 1)
}

// argSynonyms are names models reach for that are not lexically close to
// the argument they mean (normalized: lower case, letters and digits). The
// first candidate the tool declares is suggested.
var argSynonyms = map[string][]string{
	"time": {"at", "start"}, "timestamp": {"at", "start"}, "when": {"at"}, "datetime": {"at", "start"}, "droppedat": {"at"},
	"from": {"start"}, "since": {"start"}, "begin": {"start"}, "after": {"start"},
	"to": {"end"}, "until": {"end"}, "before": {"end"},
	"tz": {"timezone"}, "zone": {"timezone"},
	"vpn": {"vpn_connection_id"}, "vpnid": {"vpn_connection_id"}, "id": {"vpn_connection_id"},
	"connection": {"vpn_connection_id"}, "connectionid": {"vpn_connection_id"},
	"lookback": {"window_minutes"}, "minutes": {"window_minutes"},
	"max": {"limit"}, "count": {"limit"}, "size": {"limit"}, "pagesize": {"limit"}, "maxresults": {"limit"}, "maxrecords": {"limit"},
	"nexttoken": {"cursor"}, "nextcursor": {"cursor"}, "pagetoken": {"cursor"}, "page": {"cursor"},
	"kind": {"stream"}, "type": {"stream"}, "logtype": {"stream"},
	"log": {"message", "stream"}, "msg": {"message"}, "record": {"message"}, "line": {"message"}, "text": {"message"}, "details": {"message"},
	"category":  {"categories"},
	"awsregion": {"region"}, "regionname": {"region"}, "regionid": {"region"},
}

// closestName suggests the declared argument a misnamed one most likely
// means: a known synonym, the same name in another spelling
// (vpnConnectionId), a prefix or substring either way (tunnel_number →
// tunnel), a near misspelling, or a long shared start (vpn_id →
// vpn_connection_id). "" when nothing is close.
func (s argSpec) closestName(name string) string {
	q := normalizeName(name)
	if q == "" {
		return ""
	}
	for _, c := range argSynonyms[q] {
		if _, ok := s.props[c]; ok {
			return c
		}
	}
	best, bestRank, bestDist := "", 99, 0
	for _, cand := range s.names {
		c := normalizeName(cand)
		rank := 99
		short := min(len(q), len(c))
		switch {
		case c == q:
			rank = 0
		case short >= 2 && (strings.HasPrefix(q, c) || strings.HasPrefix(c, q)):
			rank = 1
		case short >= 3 && (strings.Contains(q, c) || strings.Contains(c, q)):
			rank = 2
		case editDistance(q, c) <= maxTypos(q, c):
			rank = 3
		case commonPrefix(q, c) >= 3:
			rank = 4
		}
		if rank == 99 {
			continue
		}
		d := editDistance(q, c)
		if rank < bestRank || (rank == bestRank && d < bestDist) {
			best, bestRank, bestDist = cand, rank, d
		}
	}
	return best
}

func normalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the Levenshtein distance in bytes (names and enum values
// are ASCII); long inputs are cut so a huge argument name costs little.
func editDistance(a, b string) int {
	const longest = 64
	if len(a) > longest {
		a = a[:longest]
	}
	if len(b) > longest {
		b = b[:longest]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describeValue names a JSON value for a message: its kind, and the value
// itself when short.
func describeValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case string:
		if t == "" {
			return "an empty string"
		}
		return "the string " + strconv.Quote(cut(t, 60))
	case map[string]any:
		return "an object"
	case []any, []string:
		return "a list"
	}
	if n := number(v); n != nil {
		return "the number " + strconv.FormatFloat(*n, 'g', -1, 64)
	}
	return fmt.Sprintf("a value of type %T", v)
}

// cut shortens s to at most n runes, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
