package sftest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

// post sends a JSON body with a token and decodes the answer's envelope.
func post(t *testing.T, srv *sftest.Server, path, token string, body any) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		fmt.Sprintf("http://%s:%d%s", srv.Host(), srv.Port(), path), bytes.NewReader(b))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", `Snowflake Token="`+token+`"`)
	}
	resp, err := httpClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// TestRawProtocol drives the endpoints the driver seldom calls: heartbeat,
// abort of nothing, renewal, bad tokens and session close.
func TestRawProtocol(t *testing.T) {
	srv, eng := startFake(t)
	login := post(t, srv, "/session/v1/login-request?databaseName=D1&schemaName=S1", "",
		map[string]any{"data": map[string]any{"ACCOUNT_NAME": srv.Account(), "LOGIN_NAME": testUser, "PASSWORD": testPassword}})
	require.Equal(t, true, login["success"], login)
	data := login["data"].(map[string]any)
	token, master := data["token"].(string), data["masterToken"].(string)
	assert.Equal(t, map[string]any{"databaseName": "D1", "schemaName": "S1", "warehouseName": "", "roleName": ""}, data["sessionInfo"])

	assert.Equal(t, true, post(t, srv, "/session/heartbeat", token, nil)["success"])
	abort := post(t, srv, "/queries/v1/abort-request", token, map[string]string{"requestId": "nope"})
	assert.Equal(t, "000605", abort["code"])
	assert.Equal(t, "390111", post(t, srv, "/session/heartbeat", "bogus", nil)["code"])

	srv.ExpireSessionTokens()
	assert.Equal(t, "390112", post(t, srv, "/session/heartbeat", token, nil)["code"])
	renew := post(t, srv, "/session/token-request", master, map[string]string{"oldSessionToken": token, "requestType": "RENEW"})
	require.Equal(t, true, renew["success"], renew)
	token2 := renew["data"].(map[string]any)["sessionToken"].(string)
	assert.Equal(t, true, post(t, srv, "/session/heartbeat", token2, nil)["success"])
	assert.Equal(t, "390114", post(t, srv, "/session/token-request", "bogus", map[string]string{"requestType": "RENEW"})["code"])

	assert.Equal(t, true, post(t, srv, "/session?delete=true", token2, nil)["success"])
	assert.Equal(t, "390111", post(t, srv, "/queries/v1/query-request", token2, map[string]string{"sqlText": "SELECT 1"})["code"])
	assert.Equal(t, 0, eng.openSessions())
	assert.Equal(t, true, post(t, srv, "/telemetry/send", "", map[string]any{"logs": []any{}})["success"])
}
