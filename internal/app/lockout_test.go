package app_test

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// fromIP is e as seen from client IP ip: both faces connect from that local address (Linux
// loopback answers every 127.x address), so the server's own client-IP extraction is tested.
func fromIP(t *testing.T, e *env, ip string) *env {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}, Timeout: 30 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	rest, err := api.NewClientWithResponses(e.url, api.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	c := *e
	c.http, c.rest = client, rest
	return &c
}

// sameFace is the API of f on e.
func sameFace(f face, e *env) staffFace {
	if f.Name() == "rest" {
		return &restFace{e}
	}
	return &graphFace{e}
}

// TestLockoutIsPerClientIP: five wrong passwords from one client IP lock that IP out of the
// account, customer or super administrator, while another IP signs in with the right password.
func TestLockoutIsPerClientIP(t *testing.T) {
	const lockFor = 1500 * time.Millisecond
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(c *config.Config) { c.LockoutDuration = lockFor })
		strangerEnv, ownerEnv := fromIP(t, e, "127.0.0.2"), fromIP(t, e, "127.0.0.3")
		eachFace(t, e, func(t *testing.T, f face) {
			stranger, owner := sameFace(f, strangerEnv), sameFace(f, ownerEnv)
			email, root := f.Name()+"-lock@example.com", f.Name()+"-root@example.com"
			id := f.Register(registration(email)).ok(t)["id"].(string)
			if _, err := e.svc.CreateSuperAdmin(ctx, root, adminPassword, "Root"); err != nil {
				t.Fatal(err)
			}

			// The owner's failures are forgotten when the owner succeeds: 4 + 4 lock nothing.
			for range 2 {
				for range 4 {
					owner.CustomerToken(email, "wrong password!").fails(t, "UNAUTHENTICATED")
				}
				owner.CustomerToken(email, goodPassword).ok(t)
			}

			for range 5 { // the default threshold
				stranger.CustomerToken(email, "wrong password!").fails(t, "UNAUTHENTICATED")
				stranger.AdminToken(root, "wrong password!").fails(t, "UNAUTHENTICATED")
			}
			locked := time.Now()
			stranger.CustomerToken(email, goodPassword).fails(t, "ACCOUNT_LOCKED")
			stranger.AdminToken(root, adminPassword).fails(t, "ACCOUNT_LOCKED")
			// The account shows its failures but no lock: isLocked is an admin's lock.
			got := f.GetCustomer(e.admin, id).ok(t)
			if got["isLocked"] != false || got["lockedUntil"] != nil || got["failedLoginCount"] != 5.0 {
				t.Errorf("customer = isLocked %v lockedUntil %v failedLoginCount %v", got["isLocked"], got["lockedUntil"], got["failedLoginCount"])
			}

			// The owner, on another IP, is not locked out, customer or super administrator.
			owner.CustomerToken(email, goodPassword).ok(t)
			owner.AdminToken(root, adminPassword).ok(t)
			stranger.CustomerToken(email, goodPassword).fails(t, "ACCOUNT_LOCKED")

			// unlockCustomer lets the stranger's IP in again.
			f.(staffFace).UnlockCustomer(e.admin, id).ok(t)
			stranger.CustomerToken(email, goodPassword).ok(t)

			// The admin's lockout ends by itself after CLIENTELE_LOCKOUT_DURATION.
			time.Sleep(time.Until(locked.Add(lockFor + 100*time.Millisecond)))
			stranger.AdminToken(root, adminPassword).ok(t)
		})
	})
}
