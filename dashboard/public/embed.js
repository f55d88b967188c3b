/* global document, URL */
/* LeadPilot booking embed: <script src="https://<app>/app/embed.js" data-leadpilot-booking="<workspace>/<event type>" async></script>
   puts the booking page in an iframe where the script tag is. */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var target = (script.getAttribute("data-leadpilot-booking") || "").replace(/[^a-z0-9/_-]/gi, "");
  if (!/^[a-z0-9_-]+\/[a-z0-9_-]+$/i.test(target)) return;
  var origin = new URL(script.src).origin;
  var frame = document.createElement("iframe");
  frame.src = origin + "/app/book/" + target + "?embed=1";
  frame.title = "Book an appointment";
  frame.loading = "lazy";
  frame.style.cssText = "width:100%;min-height:720px;border:0;";
  script.parentNode.insertBefore(frame, script);
})();
