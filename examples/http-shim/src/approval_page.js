// The approval page's only script: sign the exact text with the browser wallet, and
// count down to the expiry. Without it the paste form still works.
(function () {
  "use strict";
  var hex = function (bytes) {
    return "0x" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  };
  var utf8 = function (text) { return new TextEncoder().encode(text); };
  var status = document.getElementById("wallet-status");
  var say = function (text) { if (status) { status.textContent = text; } };

  // Solana wallets announce themselves through the wallet standard's events.
  var wallets = [];
  var registry = {
    register: function () {
      for (var i = 0; i < arguments.length; i++) { wallets.push(arguments[i]); }
      return function () {};
    }
  };
  window.addEventListener("wallet-standard:register-wallet", function (event) {
    try { event.detail(registry); } catch (e) { /* a broken wallet is skipped */ }
  });
  try {
    window.dispatchEvent(new CustomEvent("wallet-standard:app-ready", { detail: registry }));
  } catch (e) { /* no wallet standard */ }

  function signEvm(text, owner) {
    var provider = window.ethereum;
    if (!provider) { return Promise.reject(new Error("no EIP-1193 wallet (window.ethereum) in this browser")); }
    return provider.request({ method: "eth_requestAccounts" }).then(function (accounts) {
      var has = (accounts || []).some(function (a) { return String(a).toLowerCase() === owner.toLowerCase(); });
      if (!has) { throw new Error("the wallet has no account " + owner + ": switch to the owner's account"); }
      return provider.request({ method: "personal_sign", params: [hex(utf8(text)), owner] });
    });
  }

  function signSolana(text, owner) {
    var tryWallet = function (i) {
      if (i >= wallets.length) {
        return Promise.reject(new Error("no Solana wallet holds the owner account " + owner));
      }
      var wallet = wallets[i];
      var features = wallet.features || {};
      var sign = features["solana:signMessage"];
      if (!sign) { return tryWallet(i + 1); }
      var find = function (accounts) {
        return (accounts || []).filter(function (a) { return a.address === owner; })[0];
      };
      var account = find(wallet.accounts);
      var connected = account || !features["standard:connect"]
        ? Promise.resolve(account)
        : features["standard:connect"].connect().then(function (r) { return find(r.accounts); });
      return connected.then(function (found) {
        if (!found) { return tryWallet(i + 1); }
        return sign.signMessage({ account: found, message: utf8(text) }).then(function (out) {
          return hex(out[0].signature);
        });
      });
    };
    return tryWallet(0);
  }

  var forms = document.querySelectorAll("form.decision");
  Array.prototype.forEach.call(forms, function (form) {
    var button = form.querySelector("button.wallet");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var data = form.dataset;
      say("Waiting for the wallet…");
      var signing = data.chain === "ethereum"
        ? signEvm(data.message, data.owner)
        : signSolana(data.message, data.owner);
      signing.then(function (signature) {
        form.querySelector("[name=signature]").value = signature;
        say("Signed; sending…");
        form.submit();
      }, function (error) {
        say(String((error && error.message) || error));
      });
    });
  });

  var countdown = document.getElementById("countdown");
  if (countdown) {
    var end = Number(countdown.dataset.expires) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      countdown.textContent = left > 0
        ? Math.floor(left / 60) + " min " + (left % 60) + " s left"
        : "expired";
    };
    tick();
    setInterval(tick, 1000);
  }
})();
