"""The host market of one GPU name: free instances, and the line of jobs waiting for one."""

from __future__ import annotations

from emulator.core.capacity import Capacity


class Line:
    """A FIFO line anyone may leave early; a member's 1-based place costs O(log n).

    A Fenwick tree over tickets (1 = still waiting): the place of a ticket is the number of
    waiting tickets up to it. The tree restarts whenever the line empties, so it stays small.
    """

    def __init__(self) -> None:
        self._tree: list[int] = [0]
        self.length = 0

    def join(self) -> int:
        """Enter at the back; returns the ticket."""
        ticket = len(self._tree)
        low = ticket & -ticket
        # A new node covers (ticket - low, ticket]: the waiters already there, plus itself.
        self._tree.append(self._prefix(ticket - 1) - self._prefix(ticket - low) + 1)
        self.length += 1
        return ticket

    def leave(self, ticket: int) -> None:
        """Step out of the line (served, or gave up)."""
        index = ticket
        size = len(self._tree)
        while index < size:
            self._tree[index] -= 1
            index += index & -index
        self.length -= 1
        if self.length == 0:
            self._tree = [0]

    def place(self, ticket: int) -> int:
        """1-based place of a waiting ticket."""
        return self._prefix(ticket)

    def _prefix(self, index: int) -> int:
        total = 0
        tree = self._tree
        while index > 0:
            total += tree[index]
            index -= index & -index
        return total


class Market:
    """Instances of one ``gpuName``: a :class:`Capacity` and the line of jobs waiting for it."""

    def __init__(self, name: str, slots: int | None) -> None:
        self.name = name
        self.capacity = Capacity(slots, name)
        self.line = Line()

    def describe(self) -> dict[str, int | None]:
        """The admin view: size, in use, waiting."""
        return {
            "slots": self.capacity.slots,
            "used": self.capacity.used,
            "waiting": self.line.length,
        }
