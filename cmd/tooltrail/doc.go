// Command tooltrail runs a tooltrail server, the append-only, tamper-evident
// audit log for the tool calls of AI agents, and talks to one.
//
// Usage:
//
//	tooltrail serve  [--addr 127.0.0.1:7070] [--data DIR] [--store URL] [--retention 90d]
//	tooltrail record --tool NAME [--args JSON | --args-file F|-] [--result TEXT] [--confirmed] ...
//	tooltrail query  [--start T] [--end T] [--tool S] ... [--limit N] [--cursor C] [--all] [--json]
//	tooltrail count  [--start T] [--end T] [--tool S] ...
//	tooltrail purge  --older-than-days N | --all
//	tooltrail help   [command]
//
// Every flag can also be set through the environment variable
// TOOLTRAIL_<FLAG> (upper case, '-' as '_'), the command line winning;
// --server reads TOOLTRAIL_URL. The destructive flags of purge are read
// from the command line only.
//
// Exit status: 0 success, 1 failure, 2 usage error.
package main
