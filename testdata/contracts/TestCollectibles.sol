// SPDX-License-Identifier: Apache-2.0
// Minimal contracts for waiaas's call-decoder tests, executed in revm. NOT for production:
// anyone may mint, there are no events and no receiver hooks. Each has an
// OpenZeppelin-style self-multicall that delegatecalls itself, so every inner call acts
// with the caller's authority (msg.sender is the wallet).
//
// TestMultiToken: an ERC-20 balance and ERC-1155 ids in one contract (their selectors
// do not collide), so one multicall can move both. TestNft: an ERC-721 whose transfers
// are `payable`, as EIP-721 declares them (an inner call of a multicall that carries
// value must be payable: delegatecall keeps msg.value).
//
// Compiled with solc-js 0.8.28 (npm package `solc`), optimizer 200 runs, evm cancun, no
// metadata hash; only the runtime bytecode is used:
//   npm install --prefix /tmp/solc solc@0.8.28
//   NODE_PATH=/tmp/solc/node_modules node testdata/contracts/build-collectibles.js
// which writes TestMultiToken.runtime.hex and TestNft.runtime.hex.
pragma solidity 0.8.28;

abstract contract SelfMulticall {
    function multicall(bytes[] calldata data) external payable returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool ok, bytes memory out) = address(this).delegatecall(data[i]);
            if (!ok) {
                assembly {
                    revert(add(out, 32), mload(out))
                }
            }
            results[i] = out;
        }
    }
}

contract TestMultiToken is SelfMulticall {
    mapping(address => uint256) private _balances;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(uint256 => mapping(address => uint256)) private _ids;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    function mint(address to, uint256 value) external {
        _balances[to] += value;
    }

    function mint(address to, uint256 id, uint256 value) external {
        _ids[id][to] += value;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return _ids[id][account];
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _balances[msg.sender] -= value;
        _balances[to] += value;
        return true;
    }

    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        allowance[msg.sender][spender] += added;
        return true;
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata)
        external
    {
        require(from == msg.sender || isApprovedForAll[from][msg.sender], "not approved");
        _ids[id][from] -= value;
        _ids[id][to] += value;
    }

    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata
    ) external {
        require(ids.length == values.length, "length mismatch");
        require(from == msg.sender || isApprovedForAll[from][msg.sender], "not approved");
        for (uint256 i = 0; i < ids.length; i++) {
            _ids[ids[i]][from] -= values[i];
            _ids[ids[i]][to] += values[i];
        }
    }
}

contract TestNft is SelfMulticall {
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    function mint(address to, uint256 id) external {
        require(ownerOf[id] == address(0), "minted");
        ownerOf[id] = to;
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
    }

    function transferFrom(address from, address to, uint256 id) public payable {
        require(ownerOf[id] == from, "not the owner");
        require(to != address(0), "zero recipient");
        require(
            msg.sender == from || getApproved[id] == msg.sender || isApprovedForAll[from][msg.sender],
            "not approved"
        );
        ownerOf[id] = to;
        delete getApproved[id];
    }

    function safeTransferFrom(address from, address to, uint256 id) external payable {
        transferFrom(from, to, id);
    }

    function safeTransferFrom(address from, address to, uint256 id, bytes calldata)
        external
        payable
    {
        transferFrom(from, to, id);
    }
}
