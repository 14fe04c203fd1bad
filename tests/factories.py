import factory
from eth_account import Account

from jctgov.wallets.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("address",)

    address = factory.LazyFunction(lambda: Account.create().address)


def mistyped(address: str) -> str:
    """``address`` with one letter's case flipped so that it stays mixed case: a broken EIP-55
    checksum, never an all-lower or all-upper address (those carry no checksum and are accepted).

    Flipping the case of every letter would leave an address whose letters were all one case
    in the other case, accepted as typed: a test built on that fails one run in a few thousand.
    """
    letters = [i for i, c in enumerate(address) if i > 1 and c.isalpha()]
    assert len(letters) >= 2, f"{address} has too few letters to mistype its checksum"
    upper = [i for i in letters if address[i].isupper()]
    lower = [i for i in letters if address[i].islower()]
    # Flip a letter whose case another letter shares, or any letter when all share one case.
    index = (upper if len(upper) >= 2 else lower if len(lower) >= 2 else letters)[0]
    typo = address[:index] + address[index].swapcase() + address[index + 1 :]
    digits = typo[2:]
    assert digits not in (digits.lower(), digits.upper())
    return typo
