package tooltrail

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
)

// jsonifyDepth bounds the walk of jsonify, so cyclic values end.
const jsonifyDepth = 100

// jsonify returns a value that encoding/json can encode, made from v: maps,
// slices and arrays are walked, and any other value that fails to encode is
// replaced by its fmt.Sprint string.
func jsonify(v any, depth int) any {
	if v == nil {
		return nil
	}
	if depth > jsonifyDepth {
		return fmt.Sprint(v)
	}
	if _, err := json.Marshal(v); err == nil {
		return v
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return jsonify(rv.Elem().Interface(), depth+1)
	case reflect.Map:
		m := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			m[fmt.Sprint(iter.Key().Interface())] = jsonify(iter.Value().Interface(), depth+1)
		}
		return m
	case reflect.Slice, reflect.Array:
		s := make([]any, rv.Len())
		for i := range s {
			s[i] = jsonify(rv.Index(i).Interface(), depth+1)
		}
		return s
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprint(f)
		}
	}
	return fmt.Sprint(v)
}
