# common-requests.sh: sourced by scripts/text-order.sh and scripts/pgo.sh.
# common_requests sends the emulator at $url (its default fixtures) one of
# each common request: both gateways' sends, polls and account calls, a
# refused key, the control API's lookups and clock, and the inbox's first
# screen.
common_requests() {
  local ip1=(-H 'Authorization: Bearer ip1-default-key' -H 'Content-Type: application/json')
  local json=(-H 'Content-Type: application/json')
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches" \
    -d '{"sender": "iP1", "recipients": ["46701234567"], "body": "Your code is 123456"}'
  curl -s -o /dev/null "${ip1[@]}" "$url/api/me"
  curl -s -o /dev/null "${ip1[@]}" "$url/v2/batches?limit=10"
  curl -s -o /dev/null -u ip1-10001:ip1-default-key "${json[@]}" "$url/api/sms/send" \
    -d '{"From": "iP1", "Numbers": ["46701234568"], "Message": "Hello"}'
  curl -s -o /dev/null -u ip1-10001:ip1-default-key "$url/api/sms/sent/1"
  curl -s -o /dev/null "${json[@]}" "$url/json/send" \
    -d '{"username": "test", "password": "test", "message": {"text": "Hi", "sender": "InfoSMS"}, "recipients": [{"msisdn": 421903123456, "id": 1}]}'
  curl -s -o /dev/null -u test:test "$url/stats/limit"
  curl -s -o /dev/null -u ip1-10001:wrong "$url/api/me"
  curl -s -o /dev/null "$url/_mock/messages?limit=50&offset=0"
  curl -s -o /dev/null "$url/_mock/phones/46701234567/messages/latest"
  curl -s -o /dev/null "$url/_mock/requests?limit=20"
  curl -s -o /dev/null -X POST "${json[@]}" "$url/_mock/clock/advance" -d '{"seconds": 600}'
  for asset in "" app.css common.js messages.js; do curl -s -o /dev/null "$url/_mock/ui/$asset"; done
}
