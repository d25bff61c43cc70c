package tooltrail_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLayering fails when a package imports, directly or not, a package
// the design keeps it apart from (docs/design.md, "Layout"): the domain
// knows no store and no transport, stores know neither each other nor the
// HTTP layer, and the libraries a platform embeds pull in no server.
func TestLayering(t *testing.T) {
	const mod = "github.com/tooltrail/tooltrail"
	servers := []string{"/httpapi", "/webui", "/live", "/otlp", "/mcpproxy", "/cmd/tooltrail"}
	stores := []string{"/sqlite", "/postgres"}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"", append(append([]string{"/auth", "/redact", "/export", "/client"}, stores...), servers...)},
		{"/sqlite", append([]string{"/postgres"}, servers...)},
		{"/postgres", append([]string{"/sqlite"}, servers...)},
		{"/auth", append(slices.Clone(stores), servers...)},
		{"/redact", append(append([]string{""}, stores...), servers...)},
		{"/export", append(slices.Clone(stores), servers...)},
		{"/client", append(slices.Clone(stores), servers...)},
		{"/mcpproxy", append(slices.Clone(stores), "/httpapi", "/webui", "/otlp", "/cmd/tooltrail")},
		{"/otlp", append(slices.Clone(stores), "/httpapi", "/webui", "/mcpproxy", "/cmd/tooltrail")},
		{"/httpapi", append(slices.Clone(stores), "/webui", "/mcpproxy", "/cmd/tooltrail")},
		{"/webui", append(slices.Clone(stores), "/httpapi", "/mcpproxy", "/cmd/tooltrail")},
	}
	for _, tt := range tests {
		t.Run(mod+tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", mod+tt.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", mod+tt.pkg, err)
			}
			deps := strings.Fields(string(out))
			for _, f := range tt.forbidden {
				if f == tt.pkg {
					continue
				}
				if slices.Contains(deps, mod+f) {
					t.Errorf("%s imports %s, which the design keeps it apart from", mod+tt.pkg, mod+f)
				}
			}
		})
	}
}
