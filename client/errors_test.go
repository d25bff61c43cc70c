package client

import "testing"

func TestErrorSaysTheCodeOnce(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Status: 401, Code: "unauthenticated", Message: "unauthenticated: this endpoint needs a token"},
			"tooltrail server: 401 unauthenticated: this endpoint needs a token"},
		{Error{Status: 400, Code: "invalid_argument", Message: "invalid argument: request body is empty"},
			"tooltrail server: 400 invalid_argument: request body is empty"},
		{Error{Status: 400, Code: "invalid_argument", Message: "tool_name: is required"},
			"tooltrail server: 400 invalid_argument: tool_name: is required"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
