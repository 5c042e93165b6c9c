package catalog

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// contractCategories reads the fixed id list from the project's copy of the
// interface contract (docs/contract/categories.tsv), so a clone with nothing
// beside it tests the same thing CI does.
func contractCategories(t *testing.T) (ids []Category, layers map[Category]string) {
	t.Helper()
	f, err := os.Open("../docs/contract/categories.tsv")
	if err != nil {
		t.Fatalf("contract file: %v", err)
	}
	defer f.Close()
	layers = map[Category]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) < 3 {
			t.Fatalf("categories.tsv:%d: %d columns, want 3", line, len(cols))
		}
		id := Category(cols[0])
		ids = append(ids, id)
		layers[id] = cols[1]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("categories.tsv has no ids")
	}
	return ids, layers
}

func TestAllCategoriesEqualsContract(t *testing.T) {
	ids, _ := contractCategories(t)
	if ContractCategories != len(ids) || len(AllCategories) < len(ids) {
		t.Fatalf("AllCategories has %d ids (%d from the contract), contract %d", len(AllCategories), ContractCategories, len(ids))
	}
	// Extensions keep the contract's layer.name form and never reuse an id.
	for _, c := range AllCategories[len(ids):] {
		if !strings.Contains(string(c), ".") || slices.Contains(ids, c) {
			t.Errorf("extension %q is not a new layer.name id", c)
		}
	}
	for i := range ids {
		if AllCategories[i] != ids[i] {
			t.Errorf("AllCategories[%d] = %s, contract %s", i, AllCategories[i], ids[i])
		}
	}
}

func TestCatalogCoversContract(t *testing.T) {
	ids, layers := contractCategories(t)
	cat := Entries()
	if len(cat) != len(AllCategories) {
		t.Fatalf("Entries() has %d entries, AllCategories %d ids", len(cat), len(AllCategories))
	}
	for _, c := range AllCategories[len(ids):] {
		layers[c], _, _ = strings.Cut(string(c), ".")
	}
	ids = AllCategories
	sides := map[string]bool{"aws": true, "customer_gateway": true, "either": true, "none": true}
	vendors := map[string]bool{vIOS: true, vASA: true, vSRX: true, vPAN: true, vForti: true, vStrong: true}
	for i, e := range cat {
		if e.Category != ids[i] {
			t.Errorf("entry %d is %s, contract order has %s", i, e.Category, ids[i])
		}
		if e.Layer != layers[e.Category] {
			t.Errorf("%s: layer %q, contract %q", e.Category, e.Layer, layers[e.Category])
		}
		if e.Title == "" || len(e.Meaning) < 40 {
			t.Errorf("%s: title or meaning missing/too short", e.Category)
		}
		if !sides[e.ActingSide] {
			t.Errorf("%s: acting side %q", e.Category, e.ActingSide)
		}
		if len(e.Causes) == 0 || len(e.Checks) == 0 || len(e.References) == 0 {
			t.Errorf("%s: causes %d, checks %d, references %d", e.Category, len(e.Causes), len(e.Checks), len(e.References))
		}
		for _, list := range [][]string{e.Causes, e.Checks, e.References, e.Messages} {
			for _, s := range list {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: empty list item", e.Category)
				}
			}
		}
		for _, h := range e.GatewayHints {
			if !vendors[h.Vendor] || strings.TrimSpace(h.Hint) == "" {
				t.Errorf("%s: bad gateway hint %+v", e.Category, h)
			}
		}
		got, ok := Lookup(e.Category)
		if !ok || got.Category != e.Category || got.Meaning != e.Meaning {
			t.Errorf("Lookup(%s) = %v, %v", e.Category, got.Category, ok)
		}
	}
	if _, ok := Lookup("ike.nonexistent"); ok {
		t.Error("Lookup found an id outside the contract")
	}
}

func TestCatalogReturnsCopies(t *testing.T) {
	a := Entries()
	a[0].Causes[0] = "changed"
	a[0].Meaning = "changed"
	b := Entries()
	if b[0].Causes[0] == "changed" || b[0].Meaning == "changed" {
		t.Error("changing Entries()' result changed the catalogue")
	}
	e, _ := Lookup(IKEDPDTimeout)
	e.References[0] = "changed"
	if e2, _ := Lookup(IKEDPDTimeout); e2.References[0] == "changed" {
		t.Error("changing Lookup's result changed the catalogue")
	}
}

func TestCatalogJSON(t *testing.T) {
	b, err := json.Marshal(Entries())
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"category", "layer", "title", "meaning", "acting_side", "anomaly", "causes", "checks", "references"} {
		if _, ok := back[0][k]; !ok {
			t.Errorf("JSON entry lacks %q", k)
		}
	}
	if _, ok := back[0]["Severity"]; ok {
		t.Error("severity leaked into JSON as a number")
	}
}

// The index names every id; every id has its own entry document, and the
// entries together hold the catalogue's commands and references.
func TestMarkdownMentionsEveryID(t *testing.T) {
	index := IndexMarkdown()
	ids, _ := contractCategories(t)
	var md strings.Builder
	for _, id := range ids {
		if !strings.Contains(index, "| `"+string(id)+"` |") {
			t.Errorf("the index has no line for %s", id)
		}
		e, ok := EntryMarkdown(id)
		if !ok || !strings.HasPrefix(e, "# `"+string(id)+"`") {
			t.Errorf("no entry document for %s", id)
		}
		md.WriteString(e)
	}
	if _, ok := EntryMarkdown("ike.nonsense"); ok {
		t.Error("an entry for an unknown id")
	}
	for _, want := range []string{"show crypto ikev2 sa", "swanctl --list-sas", "RFC 4486", "RFC 7296", "Peer Unconfigured"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// The gateway hints must name real commands. These spot checks pin the
// ones the issue names so an edit cannot silently garble them.
func TestCatalogGatewayHintsNameRealCommands(t *testing.T) {
	want := map[string][]string{
		vIOS:    {"show crypto ikev2 sa", "debug crypto ikev2", "show ip bgp neighbors <aws-inside-ip>", "neighbor <aws-inside-ip> maximum-prefix"},
		vSRX:    {"show security ike security-associations", "show bgp neighbor"},
		vPAN:    {"show vpn ike-sa", "test vpn ike-sa"},
		vForti:  {"diagnose vpn ike gateway list", "get router info bgp summary"},
		vStrong: {"swanctl --list-sas", "ipsec statusall"},
	}
	all := map[string]string{}
	for _, e := range Entries() {
		for _, h := range e.GatewayHints {
			all[h.Vendor] += h.Hint + "\n"
		}
	}
	for v, cmds := range want {
		for _, c := range cmds {
			if !strings.Contains(all[v], c) {
				t.Errorf("%s hints lack %q", v, c)
			}
		}
	}
}
