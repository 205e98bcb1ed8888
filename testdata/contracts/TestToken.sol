// SPDX-License-Identifier: Apache-2.0
// A minimal, standard ERC-20 written for waiaas tests (no owner, no minting after
// deployment). The whole supply is minted to the deployer in the constructor; the
// tests seed balances directly in storage instead (slot layout below), so only the
// runtime bytecode is used.
//
// Storage: slot 0 = balanceOf mapping, slot 1 = allowance mapping, slot 2 = totalSupply.
// Compiled by `build.sh` with solc-js 0.8.28 (npm package `solc`), optimizer 200 runs;
// the runtime bytecode is in TestToken.runtime.hex.
pragma solidity 0.8.28;

contract TestToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;
    uint8 public constant decimals = 18;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 supply) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "allowance exceeded");
            allowance[from][msg.sender] = allowed - value;
        }
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(to != address(0), "transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= value, "balance exceeded");
        balanceOf[from] = balance - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
