// The demo page: a chat with rooms on one Socket.IO instance, and a live view of the whole cluster.
// Plain browser JavaScript, no build step. `io` is the global from /socket.io/socket.io.min.js.
// Text from the network or the user reaches the page only through text nodes (never innerHTML).

const FAILOVER_AFTER_MS = 2000; // a drop longer than this means the instance is gone: try the next one
const ACK_TIMEOUT_MS = 5000;
const MAX_MESSAGES = 300;
const COLORS = ["#2563eb", "#059669", "#d97706", "#9333ea", "#db2777", "#0891b2"];

const $ = (id) => document.getElementById(id);

let config = null;
let socket = null;
let current = 0; // index in config.instances of the instance this tab talks to
let failoverTimer = null;
let clusterBusy = false;
let joinedRooms = ["lobby"]; // re-joined after every (re)connect
let activeRoom = "lobby"; // where the message input sends to

// A small element builder: h("li", { class: "x" }, "text", child). Strings become text nodes.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

// picked once per tab; sessionStorage keeps it across reloads
function displayName() {
  const animals = ["fox", "owl", "lynx", "otter", "heron", "badger", "wolf", "seal", "crane", "hare"];
  const random = (n) => Math.floor(Math.random() * n);
  const name = sessionStorage.getItem("sio-redis-demo:name") || `${animals[random(animals.length)]}-${10 + random(90)}`;
  sessionStorage.setItem("sio-redis-demo:name", name);
  return name;
}
const myName = displayName();

function colorOf(instance) {
  const index = config ? config.instances.findIndex((i) => i.name === instance) : -1;
  return index < 0 ? "#64748b" : COLORS[index % COLORS.length];
}

const timeOf = (at) => new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
function notify(text) {
  $("notice").textContent = text;
}

// --- connection and failover -----------------------------------------------------------------------------------

function setState(state) {
  const target = config.instances[current];
  const name = h("strong", { id: "instance" }, target.name);
  const host = new URL(target.url).host;
  const texts = {
    connecting: ["Connecting to instance ", name, ` (${host})…`],
    connected: ["Connected to instance ", name, ` (${host})`],
    disconnected: ["Lost instance ", name, ` (${host}), reconnecting…`],
  };
  $("status").dataset.state = state;
  $("status").style.setProperty("--instance", colorOf(target.name));
  $("status-text").replaceChildren(...texts[state]);
  for (const id of ["send", "join", "leave"]) $(id).disabled = state !== "connected";
  $("cluster").classList.toggle("stale", state !== "connected");
  document.title = `sio-redis demo · ${state === "connected" ? target.name : state}`;
  // links to every instance but this tab's
  $("other-instances").replaceChildren(
    ...config.instances
      .filter((_, i) => i !== current)
      .map((other) => {
        const attrs = { href: new URL("/", other.url).href, target: "_blank", rel: "noopener" };
        const link = h("a", attrs, `Open on ${other.name}`);
        link.style.setProperty("--c", colorOf(other.name));
        return h("li", { "data-instance": other.name }, link);
      }),
  );
}

function connect(index) {
  current = index;
  const s = io(config.instances[index].url, {
    transports: ["websocket"],
    auth: { name: myName },
    reconnectionDelay: 300,
    reconnectionDelayMax: 1000,
  });
  socket = s;
  setState("connecting");
  s.on("connect", () => {
    clearTimeout(failoverTimer);
    failoverTimer = null;
    setState("connected");
    rejoin(s);
    refreshCluster();
  });
  s.on("disconnect", () => {
    setState("disconnected");
    armFailover();
  });
  s.on("connect_error", armFailover);
  s.on("message", addMessage);
  s.on("system", addSystem);
}

// socket.io retries on its own; if that has not worked within FAILOVER_AFTER_MS, move on to the next instance.
function armFailover() {
  if (failoverTimer) return;
  failoverTimer = setTimeout(() => {
    failoverTimer = null;
    socket.removeAllListeners();
    socket.disconnect();
    const next = (current + 1) % config.instances.length;
    const [from, to] = [config.instances[current].name, config.instances[next].name];
    addSystem({ text: `Instance ${from} is not answering; switching to ${to}`, at: Date.now() });
    connect(next);
  }, FAILOVER_AFTER_MS);
}

// Emits with an ack and resolves with the server's result, or { error } if no answer came in time.
function request(event, ...args) {
  return new Promise((resolve) => {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, ...args, (err, result) => {
      resolve(err ? { error: "no answer from the instance" } : result || {});
    });
  });
}

async function rejoin(s) {
  let result = null;
  for (const room of joinedRooms) {
    result = await request("join", room);
    if (s !== socket) return;
    if (result.error) notify(`Could not re-join ${room}: ${result.error}`);
  }
  if (result?.rooms) setRooms(result.rooms); // the server's view wins (it may add rooms of its own)
}

// --- rooms -----------------------------------------------------------------------------------------------------

function setRooms(rooms) {
  joinedRooms = rooms;
  if (!rooms.includes(activeRoom)) activeRoom = rooms[0] || null;
  renderJoined();
}

async function joinRoom(room) {
  if (!room) return;
  const result = await request("join", room);
  if (result.error) return notify(`Could not join ${room}: ${result.error}`);
  activeRoom = room;
  setRooms(result.rooms);
  notify(`Joined ${room}.`);
}

async function leaveRoom(room) {
  if (!room) return;
  const result = await request("leave", room);
  if (result.error) return notify(`Could not leave ${room}: ${result.error}`);
  setRooms(result.rooms);
  notify(`Left ${room}.`);
}

function selectRoom(room) {
  activeRoom = room;
  renderJoined();
  $("message-input").focus();
}

function renderJoined() {
  $("joined-rooms").replaceChildren(
    ...joinedRooms.map((room) => {
      const select = h("button", { type: "button", class: "chip", "aria-pressed": String(room === activeRoom) }, room);
      select.addEventListener("click", () => selectRoom(room));
      const leave = h("button", { type: "button", class: "chip-x", "aria-label": `Leave ${room}` }, "×");
      leave.addEventListener("click", () => leaveRoom(room));
      return h("li", {}, select, leave);
    }),
  );
  if (joinedRooms.length === 0) $("joined-rooms").append(h("li", { class: "empty" }, "none: join a room to chat"));
  const body = JSON.stringify({ room: activeRoom || "lobby", text: "hi" }).replaceAll("'", "'\\''");
  const worker = config?.workerUrl || "http://127.0.0.1:3000";
  $("curl").textContent = `curl -X POST ${worker}/notify -H 'content-type: application/json' -d '${body}'`;
  $("message-input").placeholder = activeRoom ? `Message #${activeRoom} (Enter sends)` : "Join a room first";
}

$("room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await joinRoom($("room-input").value.trim());
  $("room-input").value = "";
});
$("leave").addEventListener("click", async () => {
  await leaveRoom($("room-input").value.trim() || activeRoom);
  $("room-input").value = "";
});

// --- messages --------------------------------------------------------------------------------------------------

function append(item) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(item);
  while (list.children.length > MAX_MESSAGES) list.firstElementChild.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function addMessage(msg) {
  const bot = msg.instance == null; // the cron job or the HTTP worker
  const classes = ["message", bot ? "bot" : "", msg.from === myName ? "own" : ""].filter(Boolean).join(" ");
  const meta = h("div", { class: "meta" }, h("span", { class: "room" }, `#${msg.room}`), " ");
  meta.append(h("strong", { class: "from" }, msg.from), " ");
  if (!bot) {
    const via = h("span", { class: "via", title: `connected to instance ${msg.instance}` }, `via ${msg.instance}`);
    via.style.setProperty("--c", colorOf(msg.instance));
    meta.append(via, " ");
  }
  meta.append(h("time", { datetime: new Date(msg.at).toISOString() }, timeOf(msg.at)));
  append(h("li", { class: classes }, meta, h("p", { class: "text" }, msg.text)));
}

function addSystem(event) {
  append(h("li", { class: "system" }, h("time", {}, timeOf(event.at)), " ", event.text));
}

$("message-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message-input").value.trim();
  if (!text) return;
  if (!activeRoom) return notify("Join a room first.");
  $("message-input").value = "";
  const result = await request("message", { room: activeRoom, text });
  if (result.error) {
    notify(`Not sent: ${result.error}`);
    if (!$("message-input").value) $("message-input").value = text;
  }
});

// --- cluster panel ---------------------------------------------------------------------------------------------

async function refreshCluster() {
  if (!socket?.connected || clusterBusy) return;
  clusterBusy = true;
  const s = socket;
  const result = await request("cluster");
  clusterBusy = false;
  if (s !== socket) return;
  if (result.instances) renderCluster(result);
  $("cluster-note").textContent = result.error ? `Cluster view: ${result.error}` : "";
}

function renderCluster(cluster) {
  $("server-count").textContent = String(cluster.serverCount);
  $("socket-count").textContent = String(cluster.instances.reduce((sum, i) => sum + i.sockets, 0));
  $("room-count").textContent = String(cluster.rooms.length);
  $("rooms").replaceChildren(
    ...cluster.rooms.map((room) => {
      const mine = joinedRooms.includes(room);
      const button = h("button", { type: "button", class: mine ? "chip joined" : "chip" }, room);
      button.title = mine ? "You are in this room" : `Join ${room}`;
      button.addEventListener("click", () => (mine ? selectRoom(room) : joinRoom(room)));
      return h("li", {}, button);
    }),
  );

  // one row per instance, kept across refreshes so the canvases do not flicker
  const max = Math.max(1, ...cluster.instances.flatMap((i) => [...i.history, i.rate]));
  const seen = new Set();
  const list = $("cluster-instances");
  for (const info of [...cluster.instances].sort((a, b) => a.instance.localeCompare(b.instance))) {
    seen.add(info.instance);
    const row = [...list.children].find((li) => li.dataset.instance === info.instance) || instanceRow(info);
    row.classList.toggle("current", info.instance === config.instances[current].name);
    row.querySelector(".sockets").textContent = `${info.sockets} socket${info.sockets === 1 ? "" : "s"}`;
    row.querySelector(".rate").textContent = `${info.rate.toFixed(1)}/s`;
    const canvas = row.querySelector("canvas");
    canvas.setAttribute(
      "aria-label",
      `Chat messages delivered per second on ${info.instance}, last 60 s; now ${info.rate}`,
    );
    drawSparkline(canvas, info.history, max, colorOf(info.instance));
    list.append(row); // (re)appending keeps the rows in name order
  }
  for (const row of [...list.children]) if (!seen.has(row.dataset.instance)) row.remove();
  for (const li of $("other-instances").children) li.hidden = !seen.has(li.dataset.instance); // no links to the dead
  $("chart-scale").textContent = `Charts share one scale: 0 to ${max.toFixed(1)} messages/s.`;
}

function instanceRow(info) {
  const tag = h("span", { class: "tag" }, info.instance);
  tag.style.setProperty("--c", colorOf(info.instance));
  const you = h("span", { class: "you" }, "this tab");
  const row = h("div", { class: "row" }, tag, you, h("span", { class: "sockets" }), h("span", { class: "rate" }));
  return h("li", { "data-instance": info.instance }, row, h("canvas", { role: "img", width: "240", height: "36" }));
}

// One sparkline: the last 60 s, on a scale shared by every instance so that they compare.
function drawSparkline(canvas, history, max, color) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 240;
  const height = canvas.clientHeight || 36;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const points = 60;
  const values = history.slice(-points);
  const x = (i) => ((points - values.length + i) * width) / (points - 1);
  const y = (v) => height - 2 - (v / max) * (height - 4);
  ctx.strokeStyle = "rgba(100, 116, 139, 0.3)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, height - 1.5);
  ctx.lineTo(width, height - 1.5);
  ctx.stroke();
  if (values.length < 2) return;

  ctx.beginPath();
  ctx.moveTo(x(0), y(values[0]));
  for (let i = 1; i < values.length; i++) ctx.lineTo(x(i), y(values[i]));
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = "round";
  ctx.stroke();
  ctx.lineTo(x(values.length - 1), height);
  ctx.lineTo(x(0), height);
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.15;
  ctx.fill();
  ctx.globalAlpha = 1;
}

// --- start -----------------------------------------------------------------------------------------------------

async function start() {
  $("me").textContent = myName;
  renderJoined();
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = await response.json();
  } catch (err) {
    $("status").dataset.state = "disconnected";
    $("status-text").textContent = `Could not load /config.json (${err.message}). Is the instance running?`;
    return;
  }
  renderJoined();
  const own = config.instances.findIndex((i) => i.name === config.instance);
  connect(Math.max(own, 0));
  setInterval(refreshCluster, 1000);
}

start();
