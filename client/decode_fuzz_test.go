package client

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/tooltrail/tooltrail"
)

// FuzzDecodeHash checks that the decoder of the hashes in proof answers
// never panics and accepts exactly the standard base64 of 32 bytes, which
// it returns unchanged.
func FuzzDecodeHash(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("RgGz1jRi60Ik7Q8AkI/YkzNvl+Z46XMJ55QbVtcml7c=")
	f.Add("RgGz1jRi60Ik7Q8AkI/YkzNvl+Z46XMJ55QbVtcml7c")
	f.Add("RgGz1jRi60Ik7Q8AkI_YkzNvl-Z46XMJ55QbVtcml7c=")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := decodeHash(s)
		if err != nil {
			if !errors.Is(err, tooltrail.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if base64.StdEncoding.EncodeToString(h[:]) != s {
			t.Fatalf("decodeHash(%q) accepted a non-canonical encoding of %x", s, h)
		}
	})
}
