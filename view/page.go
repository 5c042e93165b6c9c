package view

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The budgets of what one answer may put in a model's context, in
// characters of each channel. Lists (timeline entries, records) are cut
// to their share and paged with a cursor; the answer says what it left out
// and how to ask for it.
const (
	// BudgetDefault bounds an answer to a call with default arguments.
	BudgetDefault = 12000
	// BudgetMax bounds every answer.
	BudgetMax = 20000
	// listBudget is the share of a page's list (entries, records) in
	// either channel; the rest holds the summary, incidents and counts.
	listBudget = 6500
	// incidentsBudget is the share of the incidents a timeline lists.
	incidentsBudget = 2500
)

// Page says which part of a paged list an answer holds.
type Page struct {
	From       int    `json:"from" jsonschema:"1-based position of the first item of this page"`
	To         int    `json:"to" jsonschema:"position of the last item of this page"`
	Total      int    `json:"total" jsonschema:"items in the whole answer"`
	NextCursor string `json:"next_cursor,omitempty" jsonschema:"pass as cursor, with the other arguments unchanged, for the next page"`
	LeftOut    string `json:"left_out,omitempty" jsonschema:"what this page does not hold and how to ask for it"`
}

// sizer adds up what a list costs in both channels, to stop before a
// budget is passed.
type sizer struct {
	structured, text int
	budget           int
}

// fits reports whether one more item of these sizes stays within budget;
// the first item always fits, so a page is never empty.
func (s *sizer) fits(item any, line string) bool {
	b, err := json.Marshal(item)
	n := len(b) + 1
	if err != nil {
		n = 0
	}
	t := utf8.RuneCountInString(line) + 1
	if s.structured > 0 && (s.structured+n > s.budget || s.text+t > s.budget) {
		return false
	}
	s.structured += n
	s.text += t
	return true
}

// plural writes "1 record", "3 records".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// itoa writes n with thousands separators: "1,144".
func itoa(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
