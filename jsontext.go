package tooltrail

// maxNumberLength bounds a number literal in arguments: longer ones are
// refused, since common JSON readers (Python's among them) refuse them.
const maxNumberLength = 100

// CheckJSONText refuses what encoding/json would silently change in raw
// JSON text: an escaped UTF-16 surrogate that is not part of a valid pair
// (encoding/json turns it into U+FFFD, so two different inputs would be
// stored alike). It returns a *FieldError (ErrInvalidArgument) on field,
// with the byte offset, or nil. raw need not be valid JSON otherwise.
func CheckJSONText(field string, raw []byte) error {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 < len(raw) && raw[i+1] == 'u' {
				r, ok := hex4(raw, i+2)
				switch {
				case ok && r >= 0xD800 && r <= 0xDBFF:
					lo, ok2 := rune(0), false
					if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
						lo, ok2 = hex4(raw, i+8)
					}
					if !ok2 || lo < 0xDC00 || lo > 0xDFFF {
						return unpaired(field, raw[i:min(i+6, len(raw))], i)
					}
					i += 11
					continue
				case ok && r >= 0xDC00 && r <= 0xDFFF:
					return unpaired(field, raw[i:i+6], i)
				}
			}
			i++ // skip the escaped character
		}
	}
	return nil
}

func unpaired(field string, esc []byte, at int) error {
	return invalid(field, "has the unpaired UTF-16 surrogate escape %s at byte %d; strings must be valid Unicode", esc, at)
}

// hex4 reads four hex digits at raw[i:i+4].
func hex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// checkNumber refuses a number literal longer than maxNumberLength.
func checkNumber(field string, n string) error {
	if len(n) > maxNumberLength {
		return invalid(field, "has a number of %d characters; numbers may have at most %d", len(n), maxNumberLength)
	}
	return nil
}
