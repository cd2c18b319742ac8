// roomlinks frontend example (plain JavaScript, no build step).
//
// 1. Get a JWT for the signed-in user (here: the development JWT from config.json).
// 2. POST /v1/links {booking_id, role, user_name?} -> {join_url, room_url, nbf, exp, ...}
//    or, for an instant call, POST /v1/rooms {minutes} first (needs scope rooms:create).
// 3. Show join_url and embed it: Daily Prebuilt runs in an iframe whose src is join_url.
//
// The API is on another origin, so the browser sends a CORS preflight first: the API must
// list this page's origin in the secret's links.allowed_origins, or every call fails here.
"use strict";

const $ = (id) => document.getElementById(id);

let config = null; // {api_url, links_jwt} from config.json, served next to this file

class ApiError extends Error {
  constructor(error, info, status) {
    super(`${error}: ${info}`);
    this.error = error;
    this.info = info;
    this.status = status;
  }
}

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new ApiError("config-error", `config.json answered HTTP ${response.status}`, response.status);
  }
  return response.json();
}

// The bearer token for the API. Here it is the development JWT `make run` put in config.json
// (scope "links:admin rooms:create", signed with the local secret's links.jwt_secret).
// A real app gets it from its identity provider instead: the signed-in user's ID/access token
// (e.g. from your OIDC library: `await auth.getAccessToken()`), issued with the `iss` and `aud`
// configured in the secret's `links`, carrying the user's `email` (an attendee or the
// organizer of the booking) and, for instant rooms, scope "rooms:create". Never ship a
// signing secret to the browser.
async function getJwt() {
  if (!config.links_jwt) {
    throw new ApiError(
      "no-token",
      "config.json has no links_jwt (the secret's links has only a jwks_url): sign in with your identity provider",
      0,
    );
  }
  return config.links_jwt;
}

function idempotencyKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// POST a JSON body with the bearer token; the answer's JSON, or an ApiError carrying the
// contract's {"error", "info"} (the API adds CORS headers to error answers too).
async function post(path, body, headers = {}) {
  const url = `${config.api_url}${path}`;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${await getJwt()}`,
        "Content-Type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    // A CORS refusal and an unreachable API look the same to a page: a TypeError, no status.
    throw new ApiError(
      "network-error",
      `could not call ${url} (${err.message}). Is the API up, and is this page's origin ` +
        `${window.location.origin} listed in the secret's links.allowed_origins?`,
      0,
    );
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || `http-${response.status}`;
    const info = (data && data.info) || response.statusText || "no details";
    throw new ApiError(error, info, response.status);
  }
  return data;
}

function joinLink(bookingId, role, userName) {
  const body = { booking_id: bookingId, role };
  if (userName) body.user_name = userName;
  return post("/v1/links", body);
}

async function instantRoom() {
  // One key per click: a retried request answers the same room instead of making another.
  const room = await post("/v1/rooms", { minutes: 30 }, { "Idempotency-Key": idempotencyKey() });
  setStatus(`Room ${room.booking_id} created; getting your host link ...`);
  return joinLink(room.booking_id, "host");
}

function setStatus(text) {
  $("status").textContent = text;
}

function showError(err) {
  const message = err instanceof ApiError ? `${err.error}: ${err.info}` : String(err);
  $("error").textContent = message;
  $("error").hidden = false;
  setStatus("");
}

function showLink(link) {
  $("join-url").textContent = link.join_url;
  $("join-link").href = link.join_url;
  $("role-out").textContent = link.role;
  $("expires").textContent = new Date(link.exp * 1000).toLocaleString();
  $("call").src = link.join_url; // Daily Prebuilt in the page
  $("result").hidden = false;
  setStatus(`Booking ${link.booking_id}: ready to join.`);
}

async function run(button, work) {
  $("error").hidden = true;
  button.disabled = true;
  setStatus("Working ...");
  try {
    if (!config) config = await loadConfig();
    showLink(await work());
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
  }
}

$("booking-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const bookingId = $("booking-id").value.trim();
  run($("get-link"), () => joinLink(bookingId, $("role").value, $("user-name").value.trim()));
});

$("instant-room").addEventListener("click", (event) => run(event.currentTarget, instantRoom));

loadConfig()
  .then((loaded) => {
    config = loaded;
    setStatus(`API: ${config.api_url}`);
  })
  .catch(showError);
