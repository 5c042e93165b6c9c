package fakeaws

import (
	"reflect"
	"testing"
)

// Round trip, and the encodings the codec must read but never writes:
// half floats, indefinite-length strings, lists and maps (RFC 8949
// appendix A examples).
func TestCBOR(t *testing.T) {
	v := map[string]any{"a": int64(-500), "b": []any{"x", 1.5, true, nil}, "t": cborTag{ID: 1, Value: 1781226000.25}, "n": int64(70000)}
	got, err := cborDecode(cborEncode(v))
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	for _, c := range []struct {
		in   []byte
		want any
	}{
		{[]byte{0xf9, 0x3c, 0x00}, 1.0},
		{[]byte{0xf9, 0xc4, 0x00}, -4.0},
		{[]byte{0x7f, 0x65, 's', 't', 'r', 'e', 'a', 0x64, 'm', 'i', 'n', 'g', 0xff}, "streaming"},
		{[]byte{0x9f, 0x01, 0x02, 0xff}, []any{int64(1), int64(2)}},
		{[]byte{0xbf, 0x61, 'a', 0x01, 0xff}, map[string]any{"a": int64(1)}},
	} {
		got, err := cborDecode(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("% x: %v (%v), want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range [][]byte{{0x62, 'a'}, {0xa1, 0x01, 0x02}, {0x01, 0x02}, {0x1c}} {
		if _, err := cborDecode(bad); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}
