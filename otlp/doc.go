// Package otlp turns OpenTelemetry traces into tooltrail calls: it decodes
// OTLP/HTTP export requests (protobuf or JSON, with
// go.opentelemetry.io/collector/pdata), picks out the spans that the
// OpenTelemetry GenAI semantic conventions mark as tool executions
// (gen_ai.operation.name = execute_tool), and maps each to one
// tooltrail.Call:
//
//	tool_name       gen_ai.tool.name (required)
//	arguments       gen_ai.tool.call.arguments: structured values as they are,
//	                a string holding a JSON object or array as that JSON, any
//	                other string as the string
//	result_summary  gen_ai.tool.call.result in string form; for a span whose
//	                status is Error (or that has error.type), "error", the
//	                error type and the status message (or the exception
//	                event's message) first
//	session_id      gen_ai.conversation.id
//	user_id         Config.UserAttribute (default enduser.id)
//	task_id         Config.TaskAttribute (default none)
//	confirmed       Config.ConfirmedAttribute (default none: false)
//	call_id         gen_ai.tool.call.id, else "otel:<trace id>:<span id>"
//
// Arguments and results are read from the span's attributes, and from its
// events when the span has none (instrumentations that cannot put
// structured values on spans record them on events). The user, task,
// confirmed and session attributes are read from the span, then from its
// resource. Every other span is counted as ignored.
//
// The package holds no HTTP handler: httpapi serves POST /v1/traces with
// it.
package otlp
