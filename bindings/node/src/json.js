// Run once per Node environment as the addon loads (`init` in src/lib.rs): DTO values
// cross N-API as JSON text, made and read here by V8's own JSON.stringify / JSON.parse.
// A string crosses in one N-API call; napi's value-by-value conversion made one per key
// and value (docs/PERFORMANCE.md, "Binding call overhead"). The native methods listed
// below take and answer JSON text; each is replaced on its class by a function with the
// signature index.d.ts declares. `refuse(field, reason)` throws the addon's own
// VALIDATION_FAILED error.
(function (binding, refuse) {
  'use strict'
  const { stringify, parse } = JSON
  const { isArray } = Array
  const { keys } = Object
  const { isFinite } = Number
  // napi's converter had the same limits (serde_json's depth; a budget against a
  // shared-object graph that expands exponentially).
  const MAX_DEPTH = 128
  const MAX_VALUES = 1_000_000
  let budget = 0

  // Throws for what JSON.stringify would drop or change without a word: NaN and
  // infinities, functions, symbols, BigInts, `undefined` in an array, an object that
  // replaces itself by toJSON, nesting past MAX_DEPTH (a cycle). An `undefined` property
  // is left out, as before.
  function check(value, depth) {
    if (--budget < 0) throw new Error(`more than ${MAX_VALUES} values`)
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return
      case 'number':
        if (isFinite(value)) return
        throw new Error(`${value} is not a JSON number`)
      case 'object':
        if (value === null) return
        if (depth === MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH} levels`)
        if (typeof value.toJSON === 'function') {
          throw new Error('an object with a toJSON method (a Date, …) is not plain JSON data')
        }
        if (isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            if (value[i] === undefined) throw new Error('undefined in an array is not JSON')
            check(value[i], depth + 1)
          }
        } else {
          const names = keys(value)
          for (let i = 0; i < names.length; i++) {
            const item = value[names[i]]
            if (item !== undefined) check(item, depth + 1)
          }
        }
        return
      default:
        throw new Error(`a ${typeof value} is not JSON`)
    }
  }

  // `value` as JSON text for the argument `field`; nothing (`undefined`) is `null`.
  function text(field, value) {
    if (value === undefined) return 'null'
    try {
      budget = MAX_VALUES
      check(value, 0)
      return stringify(value)
    } catch (e) {
      return refuse(field, e instanceof Error ? e.message : String(e))
    }
  }

  // How each method answers: JSON text (parsed here), a Promise of it, a Promise of
  // something else (an `Admin`), or nothing.
  const SYNC = 0
  const ASYNC = 1
  const UNLOCK = 2
  const VOID = 3

  // `fields[i]` names argument i when it is a JSON value (`null`: passed as given); a
  // method with a JSON argument lists all its arguments. The two common shapes get their
  // own closures: a fixed arity is cheaper than rest/apply.
  function wrap(native, kind, fields) {
    if (kind === SYNC && fields.length === 0) {
      return function () {
        return parse(native.apply(this, arguments))
      }
    }
    if (kind === SYNC && fields.length === 1 && fields[0] !== null) {
      const field = fields[0]
      return function (value) {
        return parse(native.call(this, text(field, value)))
      }
    }
    const convert = (args) => {
      for (let i = 0; i < fields.length; i++) {
        if (fields[i] !== null) args[i] = text(fields[i], args[i])
      }
      return args
    }
    switch (kind) {
      case SYNC:
        return function (...args) {
          return parse(native.apply(this, convert(args)))
        }
      case VOID:
        return function (...args) {
          return native.apply(this, convert(args))
        }
      default: {
        const answer = kind === ASYNC ? (promise) => promise.then(parse) : (promise) => promise
        return function (...args) {
          try {
            convert(args)
          } catch (e) {
            return Promise.reject(e)
          }
          return answer(native.apply(this, args))
        }
      }
    }
  }

  function replace(target, methods) {
    for (const name of keys(methods)) {
      const [kind, ...fields] = methods[name]
      const native = target[name]
      if (typeof native !== 'function') throw new Error(`waiaas: no native \`${name}\``)
      const method = wrap(native, kind, fields)
      Object.defineProperty(method, 'name', { value: name })
      // The property keeps its attributes (napi's: writable prototype methods,
      // read-only statics).
      Object.defineProperty(target, name, { value: method })
    }
  }

  replace(binding.Waiaas, {
    create: [UNLOCK, null, null, 'config', null],
    createAutoProvisioned: [UNLOCK, null, 'config', null],
    open: [UNLOCK, null, null, 'config', null],
  })
  replace(binding.Admin.prototype, {
    createWallet: [SYNC, 'request'],
    importWallet: [SYNC, 'request', null],
    importMnemonic: [ASYNC, 'request', null, null, null],
    wallets: [SYNC],
    wallet: [SYNC],
    renameWallet: [SYNC],
    suspendWallet: [SYNC],
    resumeWallet: [SYNC],
    createPolicy: [SYNC, 'policy'],
    policies: [SYNC, 'filter'],
    updatePolicy: [SYNC, null, 'change'],
    quickset: [SYNC, 'request'],
    createSession: [SYNC, 'request'],
    sessions: [SYNC],
    setOwner: [SYNC],
    owner: [SYNC],
    removeOwner: [SYNC],
    verifyOwner: [SYNC],
    transactions: [SYNC, 'filter'],
    transaction: [SYNC],
    cancelTransaction: [SYNC],
    rejectTransaction: [SYNC],
    processDue: [ASYNC],
    killSwitchState: [SYNC],
    activateKillSwitch: [SYNC],
    escalateKillSwitch: [SYNC],
    recoverKillSwitch: [SYNC],
    auditLog: [SYNC, 'filter'],
    auditHead: [SYNC],
    verifyAuditLog: [SYNC],
    settings: [SYNC],
    setSettings: [VOID, 'settings'],
    changePassword: [ASYNC],
  })
  replace(binding.Agent.prototype, {
    send: [ASYNC, 'request'],
    simulate: [SYNC, 'request'],
    transactions: [SYNC],
    cancel: [SYNC],
    tools: [SYNC],
    callTool: [ASYNC, null, 'args'],
    wallets: [SYNC],
    balance: [ASYNC],
    signMessage: [ASYNC, 'request'],
    signTypedData: [ASYNC, 'request'],
    signTransaction: [ASYNC, 'request'],
    transaction: [SYNC],
    renew: [SYNC],
  })
  replace(binding.Owner.prototype, {
    approvalRequest: [SYNC],
    approve: [ASYNC],
    cancelDelayed: [SYNC],
    killSwitch: [SYNC],
    reject: [SYNC],
  })
  replace(binding, {
    errorCodes: [SYNC],
    evaluatePolicyCase: [SYNC, 'policyCase'],
    evaluateChainCase: [SYNC, 'chainCase'],
    evaluateSessionCase: [SYNC, 'sessionCase'],
    evaluateVaultCase: [SYNC, 'vaultCase'],
  })
})
