package tooltrail

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// ReservedToolPrefix starts the tool names of the entries the log writes
// itself: only it may write them, so that a verifier can trust what they
// say (a purge's purged_through).
const ReservedToolPrefix = "tooltrail."

// IsReservedToolName says whether name reads as one of the log's own: it
// starts with ReservedToolPrefix once invisible format characters (such
// as U+200B) and leading white space are dropped, compatibility forms
// (a fullwidth dot, ligatures) are made plain with NFKC, and case is
// folded. "Tooltrail.purge" and "tooltrail\uff0epurge" are reserved;
// names in other scripts that only look alike are not.
func IsReservedToolName(name string) bool {
	// Nearly every name is ASCII, where NFKC changes nothing, no format
	// character exists and folding is lower-casing.
	if isASCII(name) {
		name = strings.TrimLeft(name, " \t\n\v\f\r")
		return len(name) >= len(ReservedToolPrefix) && strings.EqualFold(name[:len(ReservedToolPrefix)], ReservedToolPrefix)
	}
	visible := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	visible = strings.TrimLeftFunc(visible, unicode.IsSpace)
	folded := cases.Fold().String(norm.NFKC.String(visible))
	return strings.HasPrefix(norm.NFKC.String(folded), ReservedToolPrefix)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
