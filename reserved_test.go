package tooltrail_test

import (
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
)

func TestIsReservedToolName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"tooltrail.purge", true},
		{"tooltrail.", true},
		{"Tooltrail.purge", true},
		{"TOOLTRAIL.TOKEN.CREATE", true},
		{" tooltrail.purge", true},
		{"\ttooltrail.purge", true},
		{"tooltrail\uff0epurge", true}, // fullwidth full stop
		{"tooltrail\ufe52purge", true}, // small full stop
		{"\uff54\uff4f\uff4f\uff4c\uff54\uff52\uff41\uff49\uff4c.purge", true}, // fullwidth letters
		{"\u200btooltrail.purge", true},                                        // zero-width space
		{"tool\u00adtrail.purge", true},                                        // soft hyphen
		{"tool\u200dtrail.purge", true},                                        // zero-width joiner
		{"\u2000tooltrail.purge", true},                                        // en quad
		{"\ufefftooltrail.purge", true},                                        // byte order mark
		{"ToolTrail\uFF0EPurge", true},
		{"tooltrail", false},
		{"tooltrail_purge", false},
		{"tooltrail purge", false},
		{"my.tooltrail.purge", false},
		{"transfer_funds", false},
		{"t\u043e\u043eltrail.purge", false}, // Cyrillic о: looks alike, not folded (docs/security.md)
		{"", false},
	}
	for _, tt := range tests {
		if got := tooltrail.IsReservedToolName(tt.name); got != tt.want {
			t.Errorf("IsReservedToolName(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
}

func FuzzIsReservedToolName(f *testing.F) {
	for _, s := range []string{"tooltrail.purge", "Tooltrail\uff0ex", "\u200btooltrail.", "transfer_funds", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := tooltrail.IsReservedToolName(name)
		if strings.HasPrefix(strings.ToLower(name), tooltrail.ReservedToolPrefix) && !got {
			t.Errorf("IsReservedToolName(%q) = false for a name that lower-cases into the prefix", name)
		}
		if got != tooltrail.IsReservedToolName(" "+name) {
			t.Errorf("IsReservedToolName(%q) changes with a leading space", name)
		}
	})
}
