/**
 * The regal-browser pre-load snippet, readable source. `npm run build` minifies it to
 * dist/snippet.min.js; the README embeds that text.
 *
 * It makes `window.regal` usable before the library has arrived: every call is recorded as
 * `[method, args, capturedContext]`, where capturedContext is the moment and the page of
 * the call (`{timestamp, page: {url, path, title, referrer, search}}`). The library
 * (src/browser/script-tag.ts) replays the calls in order with that context, so an event made on a
 * page the visitor has left by then still carries the page and time it happened on.
 *
 * `regal.load(options)` is recorded too, and also adds the library's script tag (once).
 *
 * Two ways to use it:
 *
 * 1. Inline, in the page's <head>:
 *
 *      <script>MINIFIED_SNIPPET regal.load({ endpoint: '/regal' }); regal.page();</script>
 *
 * 2. Under a strict Content-Security-Policy (`script-src 'self'`, no inline scripts), as a
 *    file. Serve dist/snippet.min.js from your origin and load the library with its own tag;
 *    the library reads its options from the tag's data- attributes and loads itself:
 *
 *      <script src="/snippet.min.js"></script>
 *      <script async src="/regal.min.js" data-endpoint="/regal"></script>
 *      <script src="/site.js"></script>   <!-- your code: regal.page(), regal.track(...) -->
 *
 * Adding the script tag from here is not "inline script injection": it is a script with a
 * `src`, which `script-src 'self'` allows when the file is on your origin.
 *
 * Plain ES5 on purpose: it runs before anything else, in whatever browser visits.
 * `src` (the third argument; inlined as `o.src="/regal.min.js"` in the minified text) is
 * where the library lives: change that string if you host the file elsewhere.
 */
(function (w, d, src) {
  var regal = (w.regal = w.regal || []);
  // The library is already here (window.regal is the live API), or the snippet ran twice.
  if (!Array.isArray(regal) || regal.invoked) return;
  regal.invoked = true;

  var methods = ['track', 'page', 'screen', 'identify', 'reset', 'flush', 'ready', 'on', 'optOut', 'optIn', 'trackForm', 'load'];
  var injected = false;

  function record(method) {
    return function () {
      var loc = w.location;
      regal.push([
        method,
        Array.prototype.slice.call(arguments),
        {
          timestamp: new Date().toISOString(),
          page: { url: loc.href, path: loc.pathname, title: d.title, referrer: d.referrer, search: loc.search },
        },
      ]);
      if (method === 'load' && !injected) {
        injected = true;
        var script = d.createElement('script');
        script.async = true;
        script.src = src;
        script.setAttribute('data-regal', '');
        (d.head || d.documentElement).appendChild(script);
      }
    };
  }

  for (var i = 0; i < methods.length; i++) regal[methods[i]] = record(methods[i]);
  // Nothing is known before the library arrives; these answer without recording.
  regal.user = regal.stats = function () {};
})(window, document, '/regal.min.js');
