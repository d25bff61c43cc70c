package main

import (
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false},
		{"0", 0, false},
		{"90d", 90 * 24 * time.Hour, false},
		{"1d", 24 * time.Hour, false},
		{"0d", 0, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"1ms", time.Millisecond, false},
		{"forever", 0, true},
		{"-1h", 0, true},
		{"-3d", 0, true},
		{"1.5d", 0, true},
		{"d", 0, true},
		{"9999999999d", 0, true},
	}
	for _, tt := range tests {
		name := "Accepted/" + tt.in
		if tt.wantErr {
			name = "Refused/" + tt.in
		}
		t.Run(name, func(t *testing.T) {
			got, err := parseRetention(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseRetention(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseRetention(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPurgeInterval(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration
		want      time.Duration
	}{
		{"LongRetentionHourly", 90 * 24 * time.Hour, time.Hour},
		{"TenHoursHourly", 10 * time.Hour, time.Hour},
		{"TwelveHoursHourly", 12 * time.Hour, time.Hour},
		{"OneHourTenthOfIt", time.Hour, 6 * time.Minute},
		{"TenSecondsTenthOfIt", 10 * time.Second, time.Second},
		{"TinyAtLeastASecond", time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := purgeInterval(tt.retention); got != tt.want {
				t.Errorf("purgeInterval(%v) = %v, want %v", tt.retention, got, tt.want)
			}
		})
	}
}
