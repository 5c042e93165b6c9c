package fakeaws

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// A small CBOR codec (RFC 8949) for the Smithy RPC v2 CBOR protocol,
// written here rather than taken from the SDK so that the fake checks the
// SDK's encoding instead of sharing it. Decoded values are Go values:
// int64, float64, string, []byte, bool, nil, []any, map[string]any and
// cborTag.

// cborTag is a tagged value (tag 1: epoch-seconds timestamp).
type cborTag struct {
	ID    uint64
	Value any
}

var errCBORShort = errors.New("cbor: unexpected end of input")

// cborDecode decodes one complete data item.
func cborDecode(p []byte) (any, error) {
	v, n, err := cborItem(p)
	if err != nil {
		return nil, err
	}
	if n != len(p) {
		return nil, fmt.Errorf("cbor: %d bytes after the data item", len(p)-n)
	}
	return v, nil
}

// cborArg reads the argument of the head at p[0] (ok false: indefinite).
func cborArg(p []byte) (arg uint64, n int, definite bool, err error) {
	if len(p) == 0 {
		return 0, 0, false, errCBORShort
	}
	minor := p[0] & 0x1f
	switch {
	case minor < 24:
		return uint64(minor), 1, true, nil
	case minor == 24 && len(p) >= 2:
		return uint64(p[1]), 2, true, nil
	case minor == 25 && len(p) >= 3:
		return uint64(binary.BigEndian.Uint16(p[1:])), 3, true, nil
	case minor == 26 && len(p) >= 5:
		return uint64(binary.BigEndian.Uint32(p[1:])), 5, true, nil
	case minor == 27 && len(p) >= 9:
		return binary.BigEndian.Uint64(p[1:]), 9, true, nil
	case minor == 31:
		return 0, 1, false, nil
	case minor >= 28:
		return 0, 0, false, fmt.Errorf("cbor: reserved additional information %d", minor)
	}
	return 0, 0, false, errCBORShort
}

func cborItem(p []byte) (any, int, error) {
	arg, off, definite, err := cborArg(p)
	if err != nil {
		return nil, 0, err
	}
	major := p[0] >> 5
	switch major {
	case 0:
		return int64(arg), off, nil
	case 1:
		return -1 - int64(arg), off, nil
	case 2, 3:
		var b []byte
		if definite {
			if uint64(len(p)-off) < arg {
				return nil, 0, errCBORShort
			}
			b = slices.Clone(p[off : off+int(arg)])
			off += int(arg)
		} else {
			for {
				if off >= len(p) {
					return nil, 0, errCBORShort
				}
				if p[off] == 0xff {
					off++
					break
				}
				chunk, n, err := cborItem(p[off:])
				if err != nil {
					return nil, 0, err
				}
				switch c := chunk.(type) {
				case string:
					b = append(b, c...)
				case []byte:
					b = append(b, c...)
				default:
					return nil, 0, errors.New("cbor: indefinite string chunk of another type")
				}
				off += n
			}
		}
		if major == 3 {
			return string(b), off, nil
		}
		return b, off, nil
	case 4:
		var list []any
		for i := uint64(0); !definite || i < arg; i++ {
			if !definite && off < len(p) && p[off] == 0xff {
				off++
				break
			}
			v, n, err := cborItem(p[off:])
			if err != nil {
				return nil, 0, err
			}
			list = append(list, v)
			off += n
		}
		return list, off, nil
	case 5:
		m := map[string]any{}
		for i := uint64(0); !definite || i < arg; i++ {
			if !definite && off < len(p) && p[off] == 0xff {
				off++
				break
			}
			k, n, err := cborItem(p[off:])
			if err != nil {
				return nil, 0, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, 0, fmt.Errorf("cbor: map key %T, want a text string", k)
			}
			off += n
			v, n, err := cborItem(p[off:])
			if err != nil {
				return nil, 0, err
			}
			m[ks] = v
			off += n
		}
		return m, off, nil
	case 6:
		v, n, err := cborItem(p[off:])
		if err != nil {
			return nil, 0, err
		}
		return cborTag{ID: arg, Value: v}, off + n, nil
	}
	// major 7: simple values and floats
	switch p[0] & 0x1f {
	case 20:
		return false, 1, nil
	case 21:
		return true, 1, nil
	case 22, 23:
		return nil, 1, nil
	case 25:
		return float16(uint16(arg)), off, nil
	case 26:
		return float64(math.Float32frombits(uint32(arg))), off, nil
	case 27:
		return math.Float64frombits(arg), off, nil
	}
	return nil, 0, fmt.Errorf("cbor: unsupported simple value %#x", p[0])
}

// float16 widens an IEEE 754 half-precision value.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 31:
		if frac == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// cborEncode encodes a Go value: map[string]any, []any, string, []byte,
// float64, int, int64, bool, nil or cborTag.
func cborEncode(v any) []byte { return cborAppend(nil, v) }

func cborHead(b []byte, major byte, arg uint64) []byte {
	switch {
	case arg < 24:
		return append(b, major<<5|byte(arg))
	case arg <= math.MaxUint8:
		return append(b, major<<5|24, byte(arg))
	case arg <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, major<<5|25), uint16(arg))
	case arg <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, major<<5|26), uint32(arg))
	}
	return binary.BigEndian.AppendUint64(append(b, major<<5|27), arg)
}

func cborAppend(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 0xf6)
	case bool:
		if x {
			return append(b, 0xf5)
		}
		return append(b, 0xf4)
	case int:
		return cborAppend(b, int64(x))
	case int64:
		if x < 0 {
			return cborHead(b, 1, uint64(-1-x))
		}
		return cborHead(b, 0, uint64(x))
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 0xfb), math.Float64bits(x))
	case string:
		return append(cborHead(b, 3, uint64(len(x))), x...)
	case []byte:
		return append(cborHead(b, 2, uint64(len(x))), x...)
	case []any:
		b = cborHead(b, 4, uint64(len(x)))
		for _, e := range x {
			b = cborAppend(b, e)
		}
		return b
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = cborHead(b, 5, uint64(len(x)))
		for _, k := range keys {
			b = cborAppend(cborAppend(b, k), x[k])
		}
		return b
	case cborTag:
		return cborAppend(cborHead(b, 6, x.ID), x.Value)
	}
	panic(fmt.Sprintf("cbor: cannot encode %T", v))
}
