package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// Tool names of the entries that record changes to tokens.
const (
	toolTokenCreate = tooltrail.ReservedToolPrefix + "token.create"
	toolTokenRevoke = tooltrail.ReservedToolPrefix + "token.revoke"
)

// storeFlags are the flags of the commands that work on a store directly,
// without a server: --data DIR or --store URL.
type storeFlags struct {
	data  string
	store string
}

func (f *storeFlags) define(fs *flag.FlagSet) {
	def, _ := defaultDataDir()
	fs.StringVar(&f.data, "data", def, "data `DIR` of the log (its SQLite store)")
	fs.StringVar(&f.store, "store", "", "store `URL` instead of --data: sqlite:PATH or postgres://...")
}

// open opens the store the flags name, and says which; create makes the
// data directory and its store when they are missing. Errors: a usage
// error for flags that name none; a missing store unless create; the
// store's errors.
func (f *storeFlags) open(ctx context.Context, create bool) (tooltrail.Store, auth.Store, string, error) {
	storeURL := f.store
	if storeURL == "" {
		if f.data == "" {
			return nil, nil, "", usagef("--data or --store is required")
		}
		if create {
			if err := os.MkdirAll(f.data, 0o700); err != nil {
				return nil, nil, "", fmt.Errorf("create data directory: %w", err)
			}
		} else if _, err := os.Stat(filepath.Join(f.data, "tooltrail.db")); err != nil {
			return nil, nil, "", fmt.Errorf("no log in %s (start 'tooltrail serve --data %s' once, or give --store): %w", f.data, f.data, err)
		}
		storeURL = defaultStore(filepath.Clean(f.data))
	}
	open, err := parseStore(storeURL)
	if err != nil {
		return nil, nil, "", err
	}
	st, err := open(ctx, nil)
	if err != nil {
		return nil, nil, "", fmt.Errorf("open store %s: %w", redactURL(storeURL), err)
	}
	tokens, ok := st.(auth.Store)
	if !ok {
		st.Close()
		return nil, nil, "", fmt.Errorf("the store %s keeps no tokens", redactURL(storeURL))
	}
	return st, tokens, redactURL(storeURL), nil
}

// localActor is the user the entries of a command run on the store
// directly are recorded under: the account that ran it.
func localActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// createToken makes a token, keeps its hash and records the creation in
// the log as actor. It returns the token and its secret. Errors: as
// auth.CheckName, auth.Store.CreateToken and Log.RecordAdmin (the token
// is made but its entry missing: the error says so).
func createToken(ctx context.Context, store tooltrail.Store, tokens auth.Store, t auth.Token, actor string) (auth.Token, string, error) {
	if err := auth.CheckName("name", t.Name, false); err != nil {
		return t, "", err
	}
	if err := auth.CheckName("user", t.User, true); err != nil {
		return t, "", err
	}
	secret, h, err := auth.NewSecret()
	if err != nil {
		return t, "", err
	}
	t.Hash, t.Created = h, time.Now().UTC().Truncate(time.Microsecond)
	if t, err = tokens.CreateToken(ctx, t); err != nil {
		return t, "", err
	}
	args := map[string]any{"name": t.Name, "role": string(t.Role)}
	if t.User != "" {
		args["user"] = t.User
	}
	if err := recordAdmin(ctx, store, tooltrail.Call{ToolName: toolTokenCreate, Arguments: args, UserID: actor,
		ResultSummary: "token " + t.Name + " created"}); err != nil {
		return t, secret, fmt.Errorf("the token was made, but its creation could not be recorded: %w", err)
	}
	return t, secret, nil
}

// recordAdmin records one administration entry through a Log of its own
// on store.
func recordAdmin(ctx context.Context, store tooltrail.Store, c tooltrail.Call) error {
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		return err
	}
	_, err = log.RecordAdmin(ctx, c)
	return errors.Join(err, log.Close())
}

// tokenCreateCommand is tooltrail token create.
type tokenCreateCommand struct {
	store  storeFlags
	role   string
	user   string
	name   string
	create bool // --new
}

func (c *tokenCreateCommand) define(fs *flag.FlagSet) {
	c.store.define(fs)
	fs.StringVar(&c.role, "role", "", "`ROLE` of the token: writer (record), reader (query), auditor (read the whole log, entry bundles too), or admin (everything)")
	fs.StringVar(&c.user, "user", "", "bind a writer or reader to `USER`: it records and reads as that user only")
	fs.StringVar(&c.name, "name", "", "`NAME` of the token, unique for ever; admin actions are logged under it (default ROLE-RANDOM)")
	fs.BoolVar(&c.create, "new", false, "make the store when --data holds none yet (a token for a server not started yet); without it a missing store is an error, so that a token is never made in a store no server uses")
}

func (c *tokenCreateCommand) run(ctx context.Context, s *streams) error {
	role, err := auth.ParseRole(c.role)
	if err != nil {
		return usagef("--role %q: use writer, reader, auditor or admin", c.role)
	}
	if !role.Bindable() && c.user != "" {
		return usagef("--user binds writers and readers; an %s reads for every user", role)
	}
	name := c.name
	if name == "" {
		secret, _, err := auth.NewSecret()
		if err != nil {
			return err
		}
		name = string(role) + "-" + secret[3:11]
	}
	store, tokens, where, err := c.store.open(ctx, c.create)
	if err != nil {
		if !c.create && c.store.store == "" {
			return fmt.Errorf("%w\nTo make the store and its first token before any server runs, give --new", err)
		}
		return err
	}
	defer store.Close()
	t, secret, err := createToken(ctx, store, tokens, auth.Token{Name: name, Role: role, User: c.user}, localActor())
	if secret == "" {
		return err
	}
	fmt.Fprintf(s.stderr, "token %q (%s%s) made in %s; its secret is shown only now, here:\n", t.Name, t.Role, boundText(t.User), where)
	fmt.Fprintln(s.stdout, secret)
	return err
}

func boundText(user string) string {
	if user == "" {
		return ""
	}
	return ", as user " + user
}

// tokenListCommand is tooltrail token list.
type tokenListCommand struct{ store storeFlags }

func (c *tokenListCommand) define(fs *flag.FlagSet) { c.store.define(fs) }

func (c *tokenListCommand) run(ctx context.Context, s *streams) error {
	store, tokens, where, err := c.store.open(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(s.stderr, "tokens of %s:\n", where)
	list, err := tokens.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tUSER\tCREATED\tREVOKED")
	for _, t := range list {
		revoked := "-"
		if !t.Active() {
			revoked = t.Revoked.Format(time.RFC3339)
		}
		user := t.User
		if user == "" {
			user = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, user, t.Created.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

// tokenRevokeCommand is tooltrail token revoke.
type tokenRevokeCommand struct {
	store storeFlags
	name  string
}

func (c *tokenRevokeCommand) define(fs *flag.FlagSet) {
	c.store.define(fs)
	fs.StringVar(&c.name, "name", "", "`NAME` of the token to revoke; it stops working with the next request, on every server")
}

func (c *tokenRevokeCommand) run(ctx context.Context, s *streams) error {
	if c.name == "" {
		return usagef("--name is required: the token to revoke (see tooltrail token list)")
	}
	store, tokens, where, err := c.store.open(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	t, err := tokens.RevokeToken(ctx, c.name, time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return err
	}
	if err := recordAdmin(ctx, store, tooltrail.Call{ToolName: toolTokenRevoke, UserID: localActor(),
		Arguments: map[string]any{"name": t.Name, "role": string(t.Role)}, ResultSummary: "token " + t.Name + " revoked"}); err != nil {
		return fmt.Errorf("the token was revoked, but its revocation could not be recorded: %w", err)
	}
	fmt.Fprintf(s.stdout, "token %q revoked in %s\n", t.Name, where)
	return nil
}
