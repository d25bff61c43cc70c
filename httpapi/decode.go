package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tooltrail/tooltrail"
)

// decodeBody reads the JSON object of a POST body into dst, a pointer to a
// struct whose json tags name every field the request takes, and returns
// the names of the fields the body holds (so that a caller can tell an
// absent field from a null one).
//
// It is strict: the Content-Type, if given, must be application/json; the
// body must be at most s.maxBody bytes (else an error wrapping
// ErrTooLarge), valid UTF-8, and exactly one JSON object, with each key
// spelt exactly as a field of dst and given once, and each value of the
// field's type; nothing may follow the object. Every other error wraps
// ErrInvalidArgument, most as a *tooltrail.FieldError naming the field.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, dst any) (map[string]bool, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			// The rest of the body stays unread: do not reuse the connection.
			w.Header().Set("Connection", "close")
			return nil, fmt.Errorf("%w: request body is over the limit of %d bytes", tooltrail.ErrTooLarge, mbe.Limit)
		}
		var ne net.Error
		w.Header().Set("Connection", "close")
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &apiError{status: http.StatusRequestTimeout, code: codeInvalidArgument,
				message: "the request body did not arrive within the server's read timeout; nothing was recorded", cause: err}
		}
		return nil, &apiError{status: http.StatusBadRequest, code: codeInvalidArgument,
			message: "the request body could not be read whole (shorter than its Content-Length, or cut off); nothing was recorded", cause: err}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: request body is empty: send a JSON object", tooltrail.ErrInvalidArgument)
	}
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: request body must be valid UTF-8", tooltrail.ErrInvalidArgument)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: request body must be a JSON object", tooltrail.ErrInvalidArgument)
	}
	typ := reflect.TypeOf(dst).Elem()
	fields := jsonFields(typ)
	values, err := objectKeys(body, fields)
	if err != nil {
		return nil, err
	}
	// Each value was scanned once by objectKeys; decoding it again as part
	// of the whole body would scan the arguments twice more.
	v := reflect.ValueOf(dst).Elem()
	present := make(map[string]bool, len(values))
	for key, raw := range values {
		present[key] = true
		f, _ := fieldByJSONName(typ, key) // objectKeys took only fields' names
		fv := v.FieldByIndex(f.Index)
		if f.Type == rawMessageType {
			fv.SetBytes(raw)
			continue
		}
		if err := json.Unmarshal(raw, fv.Addr().Interface()); err != nil {
			return nil, fieldDecodeError(key, f.Type, err)
		}
	}
	return present, nil
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// fieldDecodeError describes an error of json.Unmarshal of the value of the
// request field key, of Go type ft, naming the field and the JSON it takes.
func fieldDecodeError(key string, ft reflect.Type, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &tooltrail.FieldError{
			Field:  key,
			Reason: fmt.Sprintf("must be %s, got %s", typeName(ft), te.Value),
			Err:    tooltrail.ErrInvalidArgument,
		}
	}
	return &tooltrail.FieldError{Field: key, Reason: "is not valid JSON: " + err.Error(), Err: tooltrail.ErrInvalidArgument}
}

// checkContentType accepts no Content-Type or application/json, with no
// charset other than UTF-8.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return fmt.Errorf("%w: Content-Type must be application/json, got %q", tooltrail.ErrInvalidArgument, ct)
}

// objectKeys walks the top level of the JSON object in body and returns
// each key's value as it is written. It returns a *tooltrail.FieldError for
// a key that is not in fields (encoding/json would match keys
// case-insensitively) or is given twice (encoding/json would keep the
// last), and an error wrapping ErrInvalidArgument for malformed JSON or
// data after the object.
func objectKeys(body []byte, fields []string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // the '{', as decodeBody checked
		return nil, syntaxError(err)
	}
	values := make(map[string]json.RawMessage, len(fields))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		key, _ := t.(string) // inside an object the decoder yields keys only
		if !slices.Contains(fields, key) {
			return nil, unknownField(key, fields)
		}
		if _, twice := values[key]; twice {
			return nil, &tooltrail.FieldError{Field: key, Reason: "is given twice; give it once", Err: tooltrail.ErrInvalidArgument}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &tooltrail.FieldError{Field: key, Reason: "is not valid JSON (or nested too deep): " + err.Error(), Err: tooltrail.ErrInvalidArgument}
		}
		// What encoding/json would change silently (an unpaired
		// surrogate escape), named by its field.
		if err := tooltrail.CheckJSONText(key, raw); err != nil {
			return nil, err
		}
		values[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the '}'
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: request body must hold one JSON object and nothing after it", tooltrail.ErrInvalidArgument)
	}
	return values, nil
}

func unknownField(key string, fields []string) error {
	return &tooltrail.FieldError{
		Field:  key,
		Reason: "is not a field of this request; the fields are " + strings.Join(fields, ", "),
		Err:    tooltrail.ErrInvalidArgument,
	}
}

// syntaxError describes malformed JSON in a request body.
func syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: request body is not valid JSON: %s (at byte %d)", tooltrail.ErrInvalidArgument, se.Error(), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: request body is not valid JSON: it ends too early", tooltrail.ErrInvalidArgument)
	default:
		return fmt.Errorf("%w: request body is not valid JSON: %s", tooltrail.ErrInvalidArgument, err.Error())
	}
}

// typeName says in words what JSON a Go type of a request field takes.
func typeName(t reflect.Type) string {
	nullable := false
	if t.Kind() == reflect.Pointer {
		nullable, t = true, t.Elem()
	}
	var s string
	switch t.Kind() {
	case reflect.String:
		s = "a string"
	case reflect.Bool:
		s = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s = "a whole number of at least 0"
	case reflect.Float32, reflect.Float64:
		s = "a number"
	default:
		s = "JSON of type " + t.String()
	}
	if nullable {
		s += " or null"
	}
	return s
}

// jsonFields returns the JSON names of the fields of struct type t, as its
// json tags give them.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name, ok := jsonName(t.Field(i)); ok {
			names = append(names, name)
		}
	}
	return names
}

// fieldByJSONName returns the field of struct type t whose JSON name is name.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if n, ok := jsonName(t.Field(i)); ok && n == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) (string, bool) {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, true
}

// noQuery returns an error wrapping ErrInvalidArgument when the request
// has query parameters, for endpoints that take none.
func noQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("%w: malformed query string: %w", tooltrail.ErrInvalidArgument, err)
	}
	if len(q) == 0 {
		return nil
	}
	name := slices.Sorted(maps.Keys(q))[0]
	return &tooltrail.FieldError{Field: name, Reason: "is not a parameter of this endpoint, which takes none", Err: tooltrail.ErrInvalidArgument}
}
