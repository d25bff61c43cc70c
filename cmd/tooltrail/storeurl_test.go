package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParseStore(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr string // "" for none
		usage   bool
	}{
		{name: "SQLite", url: "sqlite:/tmp/x.db"},
		{name: "SQLiteRelative", url: "sqlite:x.db"},
		{name: "ErrSQLiteWithoutPath", url: "sqlite:", wantErr: "needs a path", usage: true},
		{name: "Postgres", url: "postgres://u@h/db?sslmode=disable&schema=audit"},
		{name: "Postgresql", url: "postgresql://u@h/db"},
		{name: "ErrUnknownScheme", url: "mysql://u@h/db", wantErr: "use sqlite:PATH or postgres://", usage: true},
		{name: "ErrBarePath", url: "/var/lib/tooltrail.db", wantErr: "is not a store URL", usage: true},
		{name: "ErrHidesPassword", url: "postgress://u:hunter2@h/db", wantErr: "xxxxx", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, err := parseStore(tt.url)
			if tt.wantErr == "" {
				if err != nil || open == nil {
					t.Fatalf("parseStore(%q) = %v", tt.url, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseStore(%q) error = %v, want one containing %q", tt.url, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
			var ue *usageError
			if errors.As(err, &ue) != tt.usage {
				t.Errorf("usage error = %v, want %v", !tt.usage, tt.usage)
			}
		})
	}
}
