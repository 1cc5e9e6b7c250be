package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/clientele/clientele/internal/db"
)

const seedBatch = 1000

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "John", "Margaret", "Dennis",
		"Maria", "Ahmed", "Yuki", "Olga", "Pedro", "Amara", "Lars", "Mei", "Tomasz", "Ines", "Kwame", "Sofia", "Ravi", "Elif",
		"Jonas", "Leila", "Mateo", "Chloe", "Hiro", "Nadia", "Oscar", "Priya", "Sven", "Zara"}
	// Last names are three syllables, 24³ of them, so that a search by a last name's prefix
	// finds a few hundred customers in a million, as in a real book, not a twelfth of them.
	syllables = []string{"ba", "ko", "ri", "mel", "dan", "sto", "vi", "lor", "gu", "pen", "ta", "shi", "wal", "ne", "hof",
		"cer", "mi", "zan", "dro", "ly", "fen", "qua", "jo", "ost"}
	cities = []string{"Berlin", "Lyon", "Porto", "Austin", "Toronto", "Osaka"}
)

// lastName is customer i's last name: the same i always gets the same name.
func lastName(i int) string {
	n := len(syllables)
	s := syllables[(i*7)%n] + syllables[(i/n*5)%n] + syllables[(i/(n*n))%n]
	return strings.ToUpper(s[:1]) + s[1:]
}

// seed empties the customer tables and fills them with n customers in batched multi-row
// INSERTs: every customer in General, a third also in Wholesale and a third in Retailer, half
// with one address and half with two. All share hash, one real argon2id hash of password.
func seed(ctx context.Context, sqlDB *sql.DB, n int, hash string) error {
	if err := truncate(ctx, sqlDB); err != nil {
		return err
	}
	// Oldest first, one second apart, ending now: distinct created_at for the keyset order.
	base := db.Now().Add(-time.Duration(n) * time.Second)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for from := 0; from < n; from += seedBatch {
		g.Go(func() error { return seedBatchAt(ctx, sqlDB, from, min(from+seedBatch, n), base, hash) })
	}
	return g.Wait()
}

func truncate(ctx context.Context, sqlDB *sql.DB) error {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// TRUNCATE refuses tables referenced by foreign keys unless checks are off on this session.
	stmts := []string{"SET FOREIGN_KEY_CHECKS = 0"}
	// Every table that refers to customers goes too (mixedWrites adds users, companies, tokens
	// and mail), or their rows would point at customers that no longer exist.
	for _, t := range []string{"customer_group_members", "addresses", "refresh_tokens", "revoked_tokens", "audit_events",
		"one_time_tokens", "api_tokens", "messages", "login_failures", "company_user_roles", "company_users", "company_teams",
		"company_roles", "companies", "idempotency_keys", "rate_limits", "revocation_feed", "customers"} {
		stmts = append(stmts, "TRUNCATE TABLE "+t)
	}
	for _, s := range append(stmts, "SET FOREIGN_KEY_CHECKS = 1") {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func seedBatchAt(ctx context.Context, sqlDB *sql.DB, from, to int, base time.Time, hash string) error {
	var customers, addresses, members rows
	for i := from; i < to; i++ {
		id := uuid.Must(uuid.NewV7()).String()
		created := base.Add(time.Duration(i) * time.Second)
		first, last := firstNames[i%len(firstNames)], lastName(i)
		customers.add(id, fmt.Sprintf("c%07d@bench.test", i), first, last, fmt.Sprintf("+1555%07d", i), "NOT_SPECIFIED",
			i%2 == 0, "ACTIVE", true, hash, strings.ReplaceAll(uuid.NewString(), "-", ""), "COMPLETED",
			"{}", "[]", 0, 1, created, created)
		for k := range 1 + i%2 {
			var defaultOf any // the first address is both defaults
			if k == 0 {
				defaultOf = id
			}
			addresses.add(uuid.Must(uuid.NewV7()).String(), id, first, last, fmt.Sprintf(`["%d Main Street"]`, i), cities[(i+k)%len(cities)],
				fmt.Sprintf("%05d", i%100000), "DE", "BILLING_AND_SHIPPING", defaultOf, defaultOf, 1, created, created)
		}
		members.add(db.GroupGeneral, id, created)
		if extra := []string{"", db.GroupWholesale, db.GroupRetailer}[i%3]; extra != "" {
			members.add(extra, id, created)
		}
	}
	for _, ins := range []struct {
		head string
		r    rows
	}{
		{`INSERT INTO customers (id, email, first_name, last_name, phone, gender, is_subscribed, status, email_verified,
			password_hash, security_stamp, onboarding_status, metadata, attributes, failed_login_count, version, created_at, updated_at) VALUES `, customers},
		{`INSERT INTO addresses (id, customer_id, first_name, last_name, street, city, postal_code, country_code, type,
			default_billing_of, default_shipping_of, version, created_at, updated_at) VALUES `, addresses},
		{"INSERT INTO customer_group_members (group_id, customer_id, created_at) VALUES ", members},
	} {
		if _, err := sqlDB.ExecContext(ctx, ins.head+ins.r.placeholders(), ins.r.args...); err != nil {
			return err
		}
	}
	return nil
}

// rows collects the values of a multi-row INSERT.
type rows struct {
	width, count int
	args         []any
}

func (r *rows) add(values ...any) {
	r.width = len(values)
	r.count++
	r.args = append(r.args, values...)
}

func (r *rows) placeholders() string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", r.width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(tuple+", ", r.count), ", ")
}

// searchCase lists customers by search terms taken from seeded customers: a last name's
// first four letters (tens to thousands of matches in a million), a first name (a 36th of
// the customers) and an email's first seven characters (ten matches). It has no baseline:
// its target is a p50.
func (e *env) searchCase() benchCase {
	var terms []string
	return benchCase{name: "search", clientele: func(base string, rnd *rand.Rand) *http.Request {
		return newRequest("GET", base+"/v1/customers?limit=50&withTotal=false&search="+url.QueryEscape(terms[rnd.IntN(len(terms))]), e.adminToken, nil)
	}, check: func() error {
		rnd := rand.New(rand.NewPCG(1, 2))
		for range 100 {
			var c struct{ Email, FirstName, LastName string }
			if err := e.fetch(newRequest("GET", e.clientele.base+"/v1/customers/"+e.ids[rnd.IntN(len(e.ids))], e.adminToken, nil), &c); err != nil {
				return err
			}
			terms = append(terms, strings.ToLower(c.LastName[:min(4, len(c.LastName))]), c.FirstName, c.Email[:min(7, len(c.Email))])
		}
		return nil
	}}
}
