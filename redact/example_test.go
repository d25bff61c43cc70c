package redact_test

import (
	"fmt"

	"github.com/tooltrail/tooltrail/redact"
)

func Example() {
	r, err := redact.New([]byte("an example key, 16 bytes or more"), redact.DefaultRules())
	if err != nil {
		panic(err)
	}
	args, n, err := r.JSON([]byte(`{"url": "https://api.example.com", "headers": {"Authorization": "Bearer abc123def456"}, "max_tokens": 1024}`))
	fmt.Println(string(args), n, err)
	summary, m := r.Text("connected to postgres://app:hunter2@db:5432/main")
	fmt.Println(summary, m)
	fmt.Println(redact.IsMarker("[redacted:url_password:hmpa915oNubHoanu]"), r.Genuine("[redacted:url_password:hmpa915oNubHoanu]"))
	fmt.Println(redact.IsMarker("[redacted:url_password:AAAAAAAAAAAAAAAA]"), r.Genuine("[redacted:url_password:AAAAAAAAAAAAAAAA]"))
	// Output:
	// {"url": "https://api.example.com", "headers": {"Authorization": "[redacted:key:authorization:MTpegIZ7YOUid1HV]"}, "max_tokens": 1024} 1 <nil>
	// connected to postgres://app:[redacted:url_password:hmpa915oNubHoanu]@db:5432/main 1
	// true true
	// true false
}
