package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name      string
		files     fstest.MapFS
		wantNames []string
		wantErr   string
	}{
		{name: "OrderedByVersionNotName", files: fstest.MapFS{
			"m/0002_b.sql": file("B"), "m/0001_z.sql": file("A"), "m/0003_a.sql": file("C"), "m/README": file("x"),
		}, wantNames: []string{"0001_z.sql", "0002_b.sql", "0003_a.sql"}},
		{name: "VersionsAsNumbers", files: fstest.MapFS{
			"m/1_a.sql": file("A"), "m/2_b.sql": file("B"), "m/0003_c.sql": file("C"),
		}, wantNames: []string{"1_a.sql", "2_b.sql", "0003_c.sql"}},
		{name: "ErrNoVersion", files: fstest.MapFS{"m/init.sql": file("A")}, wantErr: "name must start with its version"},
		{name: "ErrSameVersion", files: fstest.MapFS{"m/0001_a.sql": file("A"), "m/1_b.sql": file("B")}, wantErr: "have the same version"},
		{name: "ErrGap", files: fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, wantErr: "without a gap; expected 2"},
		{name: "ErrNotFromOne", files: fstest.MapFS{"m/0002_a.sql": file("A")}, wantErr: "expected 1"},
		{name: "ErrNone", files: fstest.MapFS{"other/0001_a.sql": file("A")}, wantErr: "no migrations in m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Load(tt.files, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, m := range ms {
				names = append(names, m.Name)
				if m.Version != i+1 || m.SQL != string(tt.files["m/"+m.Name].Data) {
					t.Errorf("migration %d = %+v", i, m)
				}
			}
			if strings.Join(names, " ") != strings.Join(tt.wantNames, " ") {
				t.Errorf("names = %v, want %v", names, tt.wantNames)
			}
		})
	}
}
